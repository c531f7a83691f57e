"""The device API: timing tablets and chip readers post splits with a token, officials with
their session. Olivia organises the KL Ekiden, Alice keeps station R1, Bob only reads results;
the R1 tablet holds a token for R1, the Penang tablet one for another race."""

import hashlib

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import TestCase

from races.models import OfficialRole, RaceOfficial, Station
from races.services import entries_import, race_import
from results.device_tokens import device_token_create, device_token_find, stations_by_code
from results.models import DeviceToken
from tests.commands import run
from tests.race_payloads import KL_EKIDEN

PENANG = {**KL_EKIDEN, "slug": "penang-ekiden", "name": "Penang Ekiden"}

ENTRIES = "team_bib,team_name,category,leg,runner_name,gender,birth_date,chip_id\n" + "".join(
    f"{bib},Team {bib},MX,{leg},Runner {bib}.{leg},{'F' if leg == 1 else 'M'},1980-01-01,C{bib}{leg}\n"
    for bib in (101, 102, 103)
    for leg in (1, 2, 3)
)


class DeviceApiTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.race, _ = race_import(payload=KL_EKIDEN)
        entries_import(race=cls.race, raw=ENTRIES.encode(), filename="entries.csv")
        cls.penang, _ = race_import(payload=PENANG)
        cls.olivia = users.create_user("olivia", password="olivia-pass-123")
        cls.alice = users.create_user("alice", password="alice-pass-123")
        cls.bob = users.create_user("bob", password="bob-pass-123")
        RaceOfficial.objects.create(race=cls.race, user=cls.olivia, role=OfficialRole.ORGANISER)
        duty = RaceOfficial.objects.create(race=cls.race, user=cls.alice, role=OfficialRole.STATION)
        duty.stations.add(Station.objects.get(race=cls.race, code="R1"))
        cls.r1_tablet, cls.r1_token = device_token_create(
            race=cls.race, name="R1 tablet", stations=stations_by_code(cls.race, ["R1"])
        )
        cls.penang_tablet, cls.penang_token = device_token_create(
            race=cls.penang, name="Penang tablet", stations=stations_by_code(cls.penang, ["R1"])
        )


class TestDeviceTokens(DeviceApiTestCase):
    def test_only_a_hash_and_a_short_prefix_of_the_token_are_stored(self):
        stored = DeviceToken.objects.get(pk=self.r1_tablet.pk)
        assert stored.token_hash == hashlib.sha256(self.r1_token.encode()).hexdigest()
        assert stored.prefix == self.r1_token[:8]
        assert self.r1_token not in str(DeviceToken.objects.values().get(pk=stored.pk))

    def test_a_token_is_found_by_its_plain_value_and_records_when_it_was_used(self):
        found = device_token_find(self.r1_token)
        assert found == self.r1_tablet
        assert DeviceToken.objects.get(pk=found.pk).last_used_at is not None
        assert device_token_find(self.r1_token + "x") is None

    def test_the_command_prints_the_token_alone_on_its_last_line(self):
        outcome = run(
            "create_device_token", "kl-ekiden", "--station", "R1", "--station", "R2", "--name", "R2 tablet"
        )
        assert outcome.ok
        token = outcome.stdout.splitlines()[-1]
        made = device_token_find(token)
        assert made.name == "R2 tablet" and made.race == self.race
        assert sorted(made.stations.values_list("code", flat=True)) == ["R1", "R2"]
        assert "R1, R2" in outcome.stdout.splitlines()[0]

    def test_an_unknown_race_or_station_is_one_clear_line_and_makes_nothing(self):
        before = DeviceToken.objects.count()
        unknown_race = run("create_device_token", "nowhere", "--station", "R1", "--name", "x")
        assert not unknown_race.ok
        assert unknown_race.problems[0].startswith("race 'nowhere' does not exist")
        unknown_station = run("create_device_token", "kl-ekiden", "--station", "R9", "--name", "x")
        assert not unknown_station.ok
        assert unknown_station.problems[0] == (
            "station 'R9' is not a station of kl-ekiden; use one of START, R1, R2, FINISH."
        )
        assert DeviceToken.objects.count() == before


class TestDeviceTokensInTheAdmin(DeviceApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        users = get_user_model().objects
        cls.root = users.create_superuser("root", password="root-pass-123")
        cls.viewer = users.create_user("viewer", password="viewer-pass-123", is_staff=True)
        cls.viewer.user_permissions.add(Permission.objects.get(codename="view_devicetoken"))

    def test_a_new_token_is_shown_once_in_a_message_and_its_hash_never(self):
        self.client.force_login(self.root)
        r2 = Station.objects.get(race=self.race, code="R2")
        response = self.client.post(
            "/admin/results/devicetoken/add/",
            {"race": self.race.pk, "name": "R2 tablet", "stations": [r2.pk]},
            follow=True,
        )
        assert response.status_code == 200
        made = DeviceToken.objects.get(name="R2 tablet")
        message = next(str(m) for m in response.context["messages"])
        token = message.split(": ")[1].split(". ")[0]
        assert device_token_find(token) == made and made.created_by == self.root
        assert made.token_hash not in response.content.decode()
        page = self.client.get(f"/admin/results/devicetoken/{made.pk}/change/").content.decode()
        assert made.prefix in page and made.token_hash not in page and token not in page

    def test_stations_of_another_race_are_refused(self):
        self.client.force_login(self.root)
        penang_r2 = Station.objects.get(race=self.penang, code="R2")
        response = self.client.post(
            "/admin/results/devicetoken/add/",
            {"race": self.race.pk, "name": "Lost tablet", "stations": [penang_r2.pk]},
        )
        assert response.status_code == 200
        assert "R2 is a station of another race" in response.content.decode()
        assert not DeviceToken.objects.filter(name="Lost tablet").exists()

    def test_revoking_needs_the_revoke_permission(self):
        action = {"action": "revoke_tokens", "_selected_action": [self.r1_tablet.pk]}
        self.client.force_login(self.viewer)
        listing = self.client.get("/admin/results/devicetoken/").content.decode()
        assert "R1 tablet" in listing and "revoke_tokens" not in listing
        self.client.post("/admin/results/devicetoken/", action)
        assert DeviceToken.objects.get(pk=self.r1_tablet.pk).revoked_at is None

        self.client.force_login(self.root)
        self.client.post("/admin/results/devicetoken/", action)
        revoked = DeviceToken.objects.get(pk=self.r1_tablet.pk)
        assert revoked.revoked_at is not None and revoked.revoked_by == self.root
