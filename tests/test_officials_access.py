"""Who works which race: Olivia organises, Alice keeps station R1, Bob only reads the results."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse

from races.access import duties_of, is_race_organiser, may_record_at, stations_user_may_work
from races.models import AuditEntry, OfficialRole, RaceOfficial, Station
from races.roles import ORGANISER
from races.services import race_import
from tests.race_payloads import KL_EKIDEN, PENANG


class OfficialsTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.race, _ = race_import(payload=KL_EKIDEN)
        cls.other_race, _ = race_import(payload=PENANG)
        cls.olivia = users.create_user("olivia", password="olivia-pass-123")
        cls.alice = users.create_user("alice", password="alice-pass-123")
        cls.bob = users.create_user("bob", password="bob-pass-123")
        cls.greta = users.create_user("greta", password="greta-pass-123")  # in the admin's Organiser group
        cls.greta.groups.add(Group.objects.get(name=ORGANISER))
        RaceOfficial.objects.create(race=cls.race, user=cls.olivia, role=OfficialRole.ORGANISER)
        alice_duty = RaceOfficial.objects.create(race=cls.race, user=cls.alice, role=OfficialRole.STATION)
        alice_duty.stations.add(Station.objects.get(race=cls.race, code="R1"))


class TestWhoMayWorkWhere(OfficialsTestCase):
    def test_an_organiser_of_the_race_works_every_station_of_it(self):
        assert is_race_organiser(self.olivia, self.race)
        assert [s.code for s in stations_user_may_work(self.olivia, self.race)] == [
            "START",
            "R1",
            "R2",
            "FINISH",
        ]

    def test_an_organiser_of_one_race_is_nobody_at_another(self):
        assert not is_race_organiser(self.olivia, self.other_race)
        assert stations_user_may_work(self.olivia, self.other_race) == []

    def test_the_admins_organiser_group_gives_no_race(self):
        # Rights are per race: a group of Django permissions names no race.
        assert not is_race_organiser(self.greta, self.race)
        assert not is_race_organiser(self.greta, self.other_race)
        assert duties_of(self.greta) == []

    def test_a_station_official_records_only_at_the_assigned_station(self):
        assert not is_race_organiser(self.alice, self.race)
        assert may_record_at(self.alice, self.race, "R1")
        assert not may_record_at(self.alice, self.race, "R2")
        assert not may_record_at(self.alice, self.other_race, "R1")

    def test_someone_with_no_role_works_nothing(self):
        assert duties_of(self.bob) == []
        assert not may_record_at(self.bob, self.race, "R1")

    def test_a_deactivated_official_works_nothing(self):
        self.alice.is_active = False
        assert not may_record_at(self.alice, self.race, "R1")


class TestOfficialsPages(OfficialsTestCase):
    def test_an_anonymous_visitor_is_sent_to_the_login_page(self):
        response = self.client.get("/officials/")
        assert response.status_code == 302
        assert response["Location"] == "/officials/login/?next=/officials/"

    def test_a_station_official_who_is_not_admin_staff_can_log_in(self):
        response = self.client.post(
            "/officials/login/", {"username": "alice", "password": "alice-pass-123", "next": "/officials/"}
        )
        assert response.status_code == 302 and response["Location"] == "/officials/"

    def test_a_wrong_password_says_so_and_logs_nobody_in(self):
        response = self.client.post("/officials/login/", {"username": "alice", "password": "nope"})
        assert response.status_code == 200
        self.assertContains(response, "did not match")
        assert "_auth_user_id" not in self.client.session

    def test_the_home_page_lists_the_stations_the_official_works(self):
        self.client.force_login(self.alice)
        page = self.client.get("/officials/").content.decode()
        assert "KL Ekiden" in page and "R1 · Relay 1" in page
        assert "R2 · Relay 2" not in page and "Penang Ekiden" not in page

    def test_an_organiser_sees_every_station_of_their_race(self):
        self.client.force_login(self.olivia)
        page = self.client.get("/officials/").content.decode()
        for code in ("START", "R1", "R2", "FINISH"):
            assert f"{code} · " in page
        assert "Penang Ekiden" not in page

    def test_someone_with_no_role_is_told_whom_to_ask(self):
        self.client.force_login(self.bob)
        self.assertContains(self.client.get("/officials/"), "not an official of any race")

    def test_logging_out_ends_the_session(self):
        self.client.force_login(self.alice)
        response = self.client.post("/officials/logout/")
        assert response.status_code == 302
        assert self.client.get("/officials/").status_code == 302


class TestAssigningOfficialsInTheAdmin(OfficialsTestCase):
    def setUp(self):
        self.root = get_user_model().objects.create_superuser("root", "", "root-pass-123")
        self.client.force_login(self.root)

    def test_the_station_choices_are_the_races_own(self):
        page = self.client.get(reverse("admin:races_race_change", args=[self.race.pk])).content.decode()
        own = Station.objects.get(race=self.race, code="R2").pk
        foreign = Station.objects.get(race=self.other_race, code="R2").pk
        assert f'value="{own}"' in page
        assert f'value="{foreign}"' not in page

    def test_a_station_official_needs_a_station(self):
        from races.admin.race import RaceOfficialForm

        form = RaceOfficialForm(
            data={"username": "bob", "role": OfficialRole.STATION, "stations": []},
            instance=RaceOfficial(race=self.race),
        )
        assert not form.is_valid()
        assert "Choose the stations" in str(form.errors["stations"])


def change_form_data(response) -> dict:
    """What the admin's change form would send back unchanged: its fields and every inline's."""
    data: dict = {}

    def add(form) -> None:
        for bound in form:
            value = bound.value()
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(getattr(item, "pk", item)) for item in value]
            elif value is not None and not hasattr(value, "field"):  # a file field sends no file
                data[bound.html_name] = str(getattr(value, "pk", value))

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


class TestNamingOfficialsInTheAdminRacePage(OfficialsTestCase):
    def setUp(self):
        self.root = get_user_model().objects.create_superuser("root", "", "root-pass-123")
        self.client.force_login(self.root)
        self.url = reverse("admin:races_race_change", args=[self.race.pk])

    def test_a_row_names_the_user_by_name_through_the_audited_service(self):
        data = change_form_data(self.client.get(self.url))
        total = int(data["officials-TOTAL_FORMS"])
        r2 = Station.objects.get(race=self.race, code="R2")
        data.update(
            {
                "officials-TOTAL_FORMS": str(total + 1),
                f"officials-{total}-username": "BOB",  # as typed: found whatever the case
                f"officials-{total}-role": OfficialRole.STATION,
                f"officials-{total}-stations": [str(r2.pk)],
            }
        )
        response = self.client.post(self.url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        bob = RaceOfficial.objects.get(race=self.race, user=self.bob)
        assert [s.code for s in bob.stations.all()] == ["R2"]
        entry = AuditEntry.objects.get(race=self.race, action=AuditEntry.Action.OFFICIAL_NAMED)
        assert (entry.user, entry.details["username"]) == (self.root, "bob")

    def test_a_row_deleted_removes_the_role_and_audits_it(self):
        data = change_form_data(self.client.get(self.url))
        rows = [key for key, value in data.items() if key.endswith("-username") and value == "alice"]
        data[rows[0].replace("-username", "-DELETE")] = "on"
        assert self.client.post(self.url, data).status_code == 302
        assert not RaceOfficial.objects.filter(race=self.race, user=self.alice).exists()
        assert AuditEntry.objects.filter(race=self.race, action=AuditEntry.Action.OFFICIAL_REMOVED).exists()

    def test_an_unknown_user_name_is_shown_beside_the_row_and_nothing_changes(self):
        data = change_form_data(self.client.get(self.url))
        total = int(data["officials-TOTAL_FORMS"])
        data.update(
            {
                "officials-TOTAL_FORMS": str(total + 1),
                f"officials-{total}-username": "nobody-here",
                f"officials-{total}-role": OfficialRole.ORGANISER,
            }
        )
        response = self.client.post(self.url, data)
        assert response.status_code == 200
        self.assertContains(response, "there is no user")
        assert RaceOfficial.objects.filter(race=self.race).count() == 2
