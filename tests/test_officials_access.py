"""Who works which race: Olivia organises, Alice keeps station R1, Bob only reads the results."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse

from races.access import duties_of, is_race_organiser, may_record_at, stations_user_may_work
from races.models import OfficialRole, RaceOfficial, Station
from races.roles import ORGANISER
from races.services import race_import
from tests.race_payloads import KL_EKIDEN

OTHER_RACE = {**KL_EKIDEN, "slug": "penang-ekiden", "name": "Penang Ekiden"}


class OfficialsTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.race, _ = race_import(payload=KL_EKIDEN)
        cls.other_race, _ = race_import(payload=OTHER_RACE)
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
