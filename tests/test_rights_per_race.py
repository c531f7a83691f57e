"""Rights are per race: each role, on its own race and on another, at every page and endpoint.

Two races, KL (A) and Penang (B). Each role is held by one person on A and one on B; Greta is
in the admin's "Organiser" group but named on no race; Root is a superuser. Every officials'
page, admin page, action, download, device token and device post of race A is tried by each
of them: the allowed ones get in, every other one is refused and nothing of A changes.
"""

import json
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import TestCase

from races.audit import Actor
from races.models import AuditEntry, OfficialRole, Race, RaceOfficial, Station, Team
from races.roles import ORGANISER
from races.services import entries_import, race_import, race_official_name
from results.timing.models import DeviceToken, TimingRecord, UnmatchedRead
from results.timing.services import timing_import, timing_record_void
from tests.commands import run
from tests.race_payloads import KL_EKIDEN, KL_ENTRIES, KL_TIMING, PENANG

A, B = KL_EKIDEN["slug"], PENANG["slug"]

EVERYONE = ("root", "org_a", "desk_a", "station_a", "org_b", "desk_b", "station_b", "greta", "nobody")
ORGANISERS_OF_A = {"root", "org_a"}
DESK_OF_A = ORGANISERS_OF_A | {"desk_a"}
AT_R1_OF_A = ORGANISERS_OF_A | {"station_a"}

#: Race A's officials' pages, and who may open each.
OFFICIALS_PAGES = {
    f"/officials/{A}/stations/R1/": AT_R1_OF_A,
    f"/officials/{A}/stations/R1/roster": AT_R1_OF_A,
    f"/officials/{A}/stations/R2/": ORGANISERS_OF_A,
    f"/officials/{A}/teams/": DESK_OF_A | {"station_a"},
    f"/officials/{A}/teams/101/": DESK_OF_A | {"station_a"},
    f"/officials/{A}/anomalies/": DESK_OF_A,
    f"/officials/{A}/anomalies/dealt-with/": DESK_OF_A,
    f"/officials/{A}/upload/": DESK_OF_A,
    f"/officials/{A}/audit/": DESK_OF_A,
    f"/officials/{A}/print/": DESK_OF_A,
    f"/officials/{A}/officials/": ORGANISERS_OF_A,
}


class RightsTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.race_a, _ = race_import(payload=KL_EKIDEN)
        cls.race_b, _ = race_import(payload=PENANG)
        for race in (cls.race_a, cls.race_b):
            entries_import(race=race, raw=KL_ENTRIES.encode(), filename="entries.csv", actor=Actor("setup"))
            timing_import(race=race, raw=KL_TIMING, filename="r1.csv")
        record = TimingRecord.objects.get(race=cls.race_a, read_id="r1-0002")
        timing_record_void(record=record, reason="a private reason", actor=Actor("setup"))
        cls.user = {"root": users.create_superuser("root", "root@example.org", "x")}
        for name in EVERYONE[1:]:
            cls.user[name] = users.create_user(name, f"{name}@example.org", "x")
        cls.user["greta"].is_staff = True
        cls.user["greta"].save()
        cls.user["greta"].groups.add(Group.objects.get(name=ORGANISER))
        for suffix, race in (("a", cls.race_a), ("b", cls.race_b)):
            name = {"race": race, "actor": Actor("setup")}
            race_official_name(user=cls.user[f"org_{suffix}"], role=OfficialRole.ORGANISER, **name)
            race_official_name(user=cls.user[f"desk_{suffix}"], role=OfficialRole.RESULTS_DESK, **name)
            race_official_name(
                user=cls.user[f"station_{suffix}"], role=OfficialRole.STATION, station_codes=["R1"], **name
            )

    def as_(self, name: str):
        self.client.logout()
        if name != "anonymous":
            self.client.force_login(self.user[name])


class TestOfficialsPages(RightsTestCase):
    def test_each_page_of_race_a_opens_for_its_roles_and_refuses_everyone_else(self):
        for url, allowed in OFFICIALS_PAGES.items():
            for name in EVERYONE:
                with self.subTest(url=url, user=name):
                    self.as_(name)
                    response = self.client.get(url)
                    if name in allowed:
                        self.assertEqual(response.status_code, 200)
                    else:
                        self.assertEqual(response.status_code, 403)
                        self.assertNotIn("a private reason", response.content.decode())

    def test_an_anonymous_visitor_is_sent_to_log_in(self):
        for url in OFFICIALS_PAGES:
            with self.subTest(url=url):
                response = self.client.get(url)
                if url.endswith("/roster"):  # the keypad's JSON: a 401 it can act on
                    self.assertEqual(response.status_code, 401)
                    continue
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith("/officials/login/"))

    def test_the_roles_of_race_b_open_race_b(self):
        # The same people are not simply refused everywhere: race B is theirs.
        for name, url in (
            ("org_b", f"/officials/{B}/officials/"),
            ("desk_b", f"/officials/{B}/audit/"),
            ("station_b", f"/officials/{B}/stations/R1/"),
        ):
            with self.subTest(user=name):
                self.as_(name)
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_my_races_lists_only_the_races_one_is_named_on(self):
        for name, shown, hidden in (
            ("org_a", "KL Ekiden", "Penang Ekiden"),
            ("desk_b", "Penang Ekiden", "KL Ekiden"),
            ("station_a", "KL Ekiden", "Penang Ekiden"),
        ):
            with self.subTest(user=name):
                self.as_(name)
                page = self.client.get("/officials/").content.decode()
                self.assertIn(shown, page)
                self.assertNotIn(hidden, page)
        self.as_("greta")
        self.assertContains(self.client.get("/officials/"), "not an official of any race")

    def test_voiding_a_split_of_race_a_needs_a_role_that_corrects_there(self):
        record = TimingRecord.objects.get(race=self.race_a, read_id="r1-0001")
        url = f"/officials/{A}/teams/101/splits/{record.pk}/void/"
        for name in ("org_b", "desk_b", "station_b", "greta", "nobody"):
            with self.subTest(user=name):
                self.as_(name)
                self.assertEqual(self.client.post(url, {"reason": "not mine"}).status_code, 403)
                record.refresh_from_db()
                self.assertFalse(record.voided)
        self.as_("desk_a")
        self.client.post(url, {"reason": "read twice"})
        record.refresh_from_db()
        self.assertTrue(record.voided)


class TestNamingOfficials(RightsTestCase):
    def name(self, who: str, username: str, role: str, stations=()):
        self.as_(who)
        return self.client.post(
            f"/officials/{A}/officials/", {"username": username, "role": role, "stations": list(stations)}
        )

    def test_only_race_a_organisers_name_its_officials(self):
        for name in sorted(set(EVERYONE) - ORGANISERS_OF_A):
            with self.subTest(user=name):
                response = self.name(name, "nobody", OfficialRole.ORGANISER)
                self.assertEqual(response.status_code, 403)
                self.assertFalse(
                    RaceOfficial.objects.filter(race=self.race_a, user__username="nobody").exists()
                )
        response = self.name("org_a", "nobody", OfficialRole.STATION, ["R2"])
        self.assertEqual(response.status_code, 302)
        official = RaceOfficial.objects.get(race=self.race_a, user__username="nobody")
        self.assertEqual([s.code for s in official.stations.all()], ["R2"])
        entry = AuditEntry.objects.filter(race=self.race_a, action=AuditEntry.Action.OFFICIAL_NAMED).latest(
            "pk"
        )
        self.assertEqual(entry.user, self.user["org_a"])
        self.assertEqual(entry.details["username"], "nobody")

    def test_a_bad_name_says_what_is_wrong_beside_its_field_and_changes_nothing(self):
        before = RaceOfficial.objects.count()
        response = self.name("org_a", "nobdy", OfficialRole.ORGANISER)
        self.assertEqual(response.status_code, 400)
        self.assertIn("there is no user", str(response.context["form"].errors["username"]))
        response = self.name("org_a", "nobody", OfficialRole.STATION)
        self.assertIn("at least one station", str(response.context["form"].errors["stations"]))
        self.assertEqual(RaceOfficial.objects.count(), before)

    def test_an_organiser_cannot_demote_or_remove_themselves(self):
        response = self.name("org_a", "ORG_A", OfficialRole.STATION, ["R1"])
        self.assertEqual(response.status_code, 400)
        self.assertIn("your own role", str(response.context["form"].errors["username"]))
        response = self.client.post(f"/officials/{A}/officials/remove/", {"username": "org_a"}, follow=True)
        self.assertContains(response, "your own role")
        official = RaceOfficial.objects.get(race=self.race_a, user__username="org_a")
        self.assertEqual(official.role, OfficialRole.ORGANISER)

    def test_an_organiser_removes_an_official_and_it_is_audited(self):
        self.as_("desk_a")
        self.client.post(f"/officials/{A}/officials/remove/", {"username": "station_a"})
        self.assertTrue(RaceOfficial.objects.filter(race=self.race_a, user__username="station_a").exists())
        self.as_("org_a")
        self.client.post(f"/officials/{A}/officials/remove/", {"username": "station_a"})
        self.assertFalse(RaceOfficial.objects.filter(race=self.race_a, user__username="station_a").exists())
        self.assertTrue(
            AuditEntry.objects.filter(race=self.race_a, action=AuditEntry.Action.OFFICIAL_REMOVED).exists()
        )
        self.as_("station_a")
        self.assertEqual(self.client.get(f"/officials/{A}/stations/R1/").status_code, 403)


class TestAdmin(RightsTestCase):
    ADMIN_SEES_A = DESK_OF_A  # organisers change, the desk looks

    def test_race_a_and_its_things_open_in_the_admin_only_for_its_organiser_and_desk(self):
        team = Team.objects.get(race=self.race_a, bib="101")
        record = TimingRecord.objects.filter(race=self.race_a).first()
        entry = AuditEntry.objects.filter(race=self.race_a).first()
        pages = [
            f"/admin/races/race/{self.race_a.pk}/change/",
            f"/admin/races/team/{team.pk}/change/",
            f"/admin/races/runner/{team.runners.first().pk}/change/",
            f"/admin/races/category/{self.race_a.categories.first().pk}/change/",
            f"/admin/results/timingrecord/{record.pk}/change/",
            f"/admin/races/auditentry/{entry.pk}/change/",
        ]
        for url in pages:
            for name in EVERYONE:
                with self.subTest(url=url, user=name):
                    self.as_(name)
                    response = self.client.get(url)
                    self.assertEqual(response.status_code == 200, name in self.ADMIN_SEES_A)

    def test_the_lists_hold_only_the_rows_of_ones_own_races(self):
        lists = ("races/race", "races/team", "races/runner", "results/timingrecord", "races/auditentry")
        for model in lists:
            for name, races in (("org_a", {A}), ("desk_b", {B}), ("greta", set()), ("root", {A, B})):
                with self.subTest(model=model, user=name):
                    self.as_(name)
                    response = self.client.get(f"/admin/{model}/")
                    self.assertEqual(response.status_code, 200)
                    rows = response.context["cl"].result_list
                    self.assertEqual({getattr(row, "race", row).slug for row in rows}, races)

    def test_an_organiser_of_b_makes_no_device_token_for_a(self):
        r1_of_a = Station.objects.get(race=self.race_a, code="R1")
        for name in ("org_b", "desk_a", "greta"):
            with self.subTest(user=name):
                self.as_(name)
                self.client.post(
                    "/admin/results/devicetoken/add/",
                    {"race": self.race_a.pk, "name": f"{name}'s tablet", "stations": [r1_of_a.pk]},
                )
                self.assertFalse(DeviceToken.objects.filter(race=self.race_a).exists())
        self.as_("org_a")
        self.client.post(
            "/admin/results/devicetoken/add/",
            {"race": self.race_a.pk, "name": "R1 tablet", "stations": [r1_of_a.pk]},
        )
        self.assertTrue(DeviceToken.objects.filter(race=self.race_a, name="R1 tablet").exists())

    def test_closing_race_a_from_the_admin_is_for_its_organisers(self):
        action = {"action": "close_races", "_selected_action": [self.race_a.pk]}
        for name in ("org_b", "desk_a", "greta"):
            with self.subTest(user=name):
                self.as_(name)
                self.client.post("/admin/races/race/", action)
                self.assertFalse(Race.objects.get(pk=self.race_a.pk).is_closed)
        self.as_("org_a")
        self.client.post("/admin/races/race/", action)
        self.assertTrue(Race.objects.get(pk=self.race_a.pk).is_closed)

    def test_an_organiser_of_both_races_selecting_both_to_close_closes_only_the_one_organised(self):
        race_official_name(
            race=self.race_b, user=self.user["org_a"], role=OfficialRole.RESULTS_DESK, actor=Actor("setup")
        )
        self.as_("org_a")
        action = {"action": "close_races", "_selected_action": [self.race_a.pk, self.race_b.pk]}
        response = self.client.post("/admin/races/race/", action, follow=True)
        self.assertTrue(Race.objects.get(pk=self.race_a.pk).is_closed)
        self.assertFalse(Race.objects.get(pk=self.race_b.pk).is_closed)
        self.assertContains(response, "not yours to close or reopen")

    def test_naming_an_organiser_gives_them_the_admin_of_that_race(self):
        new = get_user_model().objects.create_user("newcomer", password="x")
        race_official_name(race=self.race_a, user=new, role=OfficialRole.ORGANISER, actor=Actor("setup"))
        self.client.force_login(new)
        self.assertEqual(self.client.get(f"/admin/races/race/{self.race_a.pk}/change/").status_code, 200)
        self.assertNotEqual(self.client.get(f"/admin/races/race/{self.race_b.pk}/change/").status_code, 200)


class TestDeviceApiWithASession(RightsTestCase):
    def post(self, name: str, bib: str = "101", station: str = "R1"):
        self.as_(name)
        read = {
            "id": str(uuid.uuid4()),
            "bib": bib,
            "station": station,
            "time": "2025-11-23T07:05:00+08:00",
            "source": "tablet",
        }
        return self.client.post(
            f"/api/v1/races/{A}/timings", json.dumps(read), content_type="application/json"
        )

    def test_only_race_a_officials_at_r1_store_a_read_there(self):
        for name in EVERYONE:
            with self.subTest(user=name):
                before = TimingRecord.objects.filter(race=self.race_a).count()
                response = self.post(name)
                stored = TimingRecord.objects.filter(race=self.race_a).count() - before
                if name in AT_R1_OF_A:
                    self.assertEqual(response.status_code, 201, response.content)
                    self.assertEqual(stored, 1)
                else:
                    self.assertIn(response.status_code, (401, 403) if name == "nobody" else (403,))
                    self.assertEqual(stored, 0)

    def test_someone_not_of_the_race_adds_no_unknown_read_to_its_anomaly_list(self):
        for name in ("org_b", "desk_a", "greta", "nobody"):
            with self.subTest(user=name):
                response = self.post(name, bib="999", station="X9")
                self.assertEqual(response.status_code, 403)
                response = self.post(name, bib="999")
                self.assertEqual(response.status_code, 403)
        self.assertFalse(UnmatchedRead.objects.filter(race=self.race_a).exists())

    def test_an_official_s_unknown_read_at_an_unknown_station_is_refused_and_not_kept(self):
        response = self.post("station_a", bib="999", station="X9")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(UnmatchedRead.objects.filter(race=self.race_a).exists())
        self.assertEqual(self.post("station_a", bib="999").status_code, 400)
        self.assertEqual(UnmatchedRead.objects.filter(race=self.race_a, bib_as_read="999").count(), 1)


class TestRaceOfficialCommand(RightsTestCase):
    def roles(self, username: str) -> dict[str, tuple]:
        return {
            official.race.slug: (official.role, tuple(s.code for s in official.stations.order_by("position")))
            for official in RaceOfficial.objects.filter(user__username=username)
        }

    def test_names_each_role_for_one_race(self):
        assert run("race_official", A, "nobody", "--organiser").ok
        assert self.roles("nobody") == {A: ("organiser", ())}
        assert run("race_official", A, "nobody", "--results-desk").ok
        assert self.roles("nobody") == {A: ("desk", ())}
        outcome = run("race_official", A, "nobody", "--station", "R1", "--station", "R2")
        assert outcome.ok and "R1, R2" in outcome.stdout
        assert self.roles("nobody") == {A: ("station", ("R1", "R2"))}
        assert get_user_model().objects.get(username="nobody").is_staff  # named organiser once

    def test_remove_takes_a_station_then_the_role(self):
        assert run("race_official", A, "station_a", "--station", "R1", "--station", "R2").ok
        assert run("race_official", A, "station_a", "--station", "R1", "--remove").ok
        assert self.roles("station_a") == {A: ("station", ("R2",))}
        outcome = run("race_official", A, "station_a", "--station", "R2", "--remove")
        assert outcome.ok and "no longer works" in outcome.stdout
        assert self.roles("station_a") == {}
        actions = AuditEntry.objects.filter(race=self.race_a, details__username="station_a")
        assert [entry.action for entry in actions.order_by("pk")][-3:] == [
            AuditEntry.Action.OFFICIAL_NAMED,
            AuditEntry.Action.OFFICIAL_REMOVED,
            AuditEntry.Action.OFFICIAL_REMOVED,
        ]

    def test_bad_input_is_one_line_each_and_changes_nothing(self):
        before = self.roles("org_a"), RaceOfficial.objects.count(), AuditEntry.objects.count()
        for args, message in (
            (("nowhere", "org_a", "--organiser"), "race 'nowhere' does not exist"),
            ((A, "nobdy", "--organiser"), "there is no user 'nobdy'"),
            ((A, "org_a", "--station", "R9"), "kl-ekiden has no station R9"),
            ((A, "org_a", "--results-desk", "--remove"), "does not hold that role"),
            ((A, "station_a", "--station", "R2", "--remove"), "does not record at R2"),
        ):
            with self.subTest(args=args):
                outcome = run("race_official", *args)
                assert not outcome.ok
                assert outcome.problems[0].startswith(message) or message in outcome.problems[0], (
                    outcome.problems
                )
                assert "Traceback" not in outcome.stderr
        assert (self.roles("org_a"), RaceOfficial.objects.count(), AuditEntry.objects.count()) == before

    def test_a_role_is_required(self):
        outcome = run("race_official", A, "nobody")
        assert not outcome.ok and "Traceback" not in outcome.stderr


class TestUnknownReadsAllowance(RightsTestCase):
    def post_unknown(self, count: int, token: str):
        reads = [
            {
                "id": str(uuid.uuid4()),
                "bib": f"9{n:03d}",
                "station": "R1",
                "time": "2025-11-23T07:05:00+08:00",
            }
            for n in range(count)
        ]
        return self.client.post(
            f"/api/v1/races/{A}/timings",
            json.dumps(reads),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    def test_a_device_keeps_at_most_its_allowance_a_minute_and_is_told(self):
        from results.timing.device_tokens import device_token_create

        _token, plain = device_token_create(
            race=self.race_a, name="R1 tablet", stations=Station.objects.filter(race=self.race_a, code="R1")
        )
        with self.settings(TASUKI_UNKNOWN_READS_PER_MINUTE=5):
            first = self.post_unknown(3, plain)
            second = self.post_unknown(4, plain)
        assert first.status_code == second.status_code == 400
        assert UnmatchedRead.objects.filter(race=self.race_a).count() == 5
        messages = [problem["message"] for problem in second.json()["errors"]]
        assert any("2 reads of unknown bibs were not kept" in message for message in messages)
        assert not any("not kept" in problem["message"] for problem in first.json()["errors"])
