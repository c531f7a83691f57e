"""The results desk on race day: chip-file uploads, corrections per team, anomalies, the audit trail.

Olivia organises the KL Ekiden, Dana works its results desk (the admin's group), Alice keeps
station R1, Bob has no role, Sid may only add splits in the admin. Team 101 "Harimau" ran through R1 and R2; team 102 "Sakura" has a
chip read at R1 and, by mistake, at R2 before it.
"""

import html
import re
import tempfile
from datetime import UTC, datetime
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase, override_settings

from races.access import stations_user_may_correct
from races.audit import Actor
from races.models import AuditEntry, Category, OfficialRole, Race, RaceOfficial, Station, Team
from races.services import race_import
from results.standings.anomalies import Kind
from results.standings.selectors import anomalies_for_race
from results.timing.device_tokens import device_token_create, device_tokens_revoke
from results.timing.models import DeviceToken, Source, TimingRecord, UnmatchedRead
from results.timing.services import timing_import, timing_record_create, timing_record_void
from results.timing.unmatched_reads import unmatched_read_resolve
from tests.race_payloads import KL_EKIDEN

HEADER = b"bib,station,time,source,read_id\n"


def chip_file(content: bytes, name: str = "r2-reader.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


class DeskTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.race, _ = race_import(payload=KL_EKIDEN)
        cls.olivia = users.create_user("olivia")
        cls.dana = users.create_user("dana")
        RaceOfficial.objects.create(race=cls.race, user=cls.dana, role=OfficialRole.RESULTS_DESK)
        cls.alice = users.create_user("alice")
        cls.bob = users.create_user("bob")
        cls.sid = users.create_user("sid")
        cls.sid.user_permissions.add(
            Permission.objects.get(content_type__app_label="results", codename="add_timingrecord")
        )
        RaceOfficial.objects.create(race=cls.race, user=cls.olivia, role=OfficialRole.ORGANISER)
        duty = RaceOfficial.objects.create(race=cls.race, user=cls.alice, role=OfficialRole.STATION)
        duty.stations.add(Station.objects.get(race=cls.race, code="R1"))
        mixed = Category.objects.get(race=cls.race, code="MX")
        cls.harimau = Team.objects.create(race=cls.race, bib="101", name="Harimau", category=mixed)
        cls.sakura = Team.objects.create(race=cls.race, bib="102", name="Sakura", category=mixed)
        cls.r1_101 = cls.read("101", "R1", "06:50:00", Source.TABLET, device="R1 tablet")
        cls.r2_101 = cls.read("101", "R2", "07:12:00.250", Source.CHIP)
        cls.r1_102 = cls.read("102", "R1", "06:55:00", Source.CHIP)
        cls.r2_102 = cls.read("102", "R2", "06:54:00", Source.CHIP)  # before its R1: a negative leg

    @classmethod
    def read(cls, bib, station, time, source, **kwargs) -> TimingRecord:
        return timing_record_create(
            race=cls.race, bib=bib, station=station, time=time, source=source, **kwargs
        )[0]

    def url(self, page: str) -> str:
        return f"/officials/kl-ekiden/{page}"

    def as_user(self, user) -> None:
        self.client.force_login(user)


# --- who may open what ----------------------------------------------------------------------


class TestWhoMayOpenWhat(DeskTestCase):
    DESK_PAGES = ("upload/", "anomalies/", "audit/")
    OFFICIAL_PAGES = ("teams/", "teams/101/")

    def test_an_anonymous_visitor_is_sent_to_the_login_page_from_every_page(self):
        for page in self.DESK_PAGES + self.OFFICIAL_PAGES:
            response = self.client.get(self.url(page))
            assert response.status_code == 302, page
            assert response["Location"] == f"/officials/login/?next=/officials/kl-ekiden/{page}"

    def test_an_anonymous_post_changes_nothing(self):
        response = self.client.post(self.url(f"teams/102/splits/{self.r2_102.pk}/void/"), {"reason": "x"})
        assert response.status_code == 302 and response["Location"].startswith("/officials/login/")
        self.r2_102.refresh_from_db()
        assert not self.r2_102.voided

    def test_someone_with_no_role_is_refused_every_page(self):
        self.as_user(self.bob)
        for page in self.DESK_PAGES + self.OFFICIAL_PAGES:
            response = self.client.get(self.url(page))
            assert response.status_code == 403, page
        response = self.client.post(self.url(f"teams/102/splits/{self.r2_102.pk}/void/"), {"reason": "x"})
        assert response.status_code == 403

    def test_a_station_official_finds_teams_but_not_the_desk_pages(self):
        self.as_user(self.alice)
        for page in self.OFFICIAL_PAGES:
            assert self.client.get(self.url(page)).status_code == 200, page
        for page in self.DESK_PAGES:
            response = self.client.get(self.url(page))
            assert response.status_code == 403, page
            self.assertContains(response, "organisers and the results desk", status_code=403)
        response = self.client.post(
            self.url("upload/"), {"file": chip_file(HEADER + b"101,R1,07:00:00,chip,\n")}
        )
        assert response.status_code == 403
        assert self.client.post(self.url("upload/confirm/"), {"digest": "0" * 64}).status_code == 403

    def test_a_django_permission_without_a_role_on_the_race_is_not_the_results_desk(self):
        # Rights are per race (races/access.py): a clerk given the admin's right to add splits,
        # but named on no race, may not void a station's reads nor read the anomaly list.
        self.as_user(self.sid)
        response = self.client.get(self.url("anomalies/"))
        self.assertContains(response, "organisers and the results desk", status_code=403)
        assert stations_user_may_correct(self.sid, self.race) == []
        response = self.client.post(self.url(f"teams/102/splits/{self.r2_102.pk}/void/"), {"reason": "x"})
        assert response.status_code == 403
        self.r2_102.refresh_from_db()
        assert not self.r2_102.voided

    def test_organisers_and_the_results_desk_open_every_page(self):
        for user in (self.olivia, self.dana):
            self.as_user(user)
            for page in self.DESK_PAGES + self.OFFICIAL_PAGES:
                assert self.client.get(self.url(page)).status_code == 200, (user, page)

    def test_every_page_s_title_is_words_for_the_browser_tab(self):
        # <title> is text: markup put in a title block shows as "<script …" in the tab.
        self.as_user(self.olivia)
        pages = (
            self.DESK_PAGES
            + self.OFFICIAL_PAGES
            + (
                "control/",
                "announcer/",
                "officials/",
                "gun/",
                "results/",
                "protests/",
                "print/",
                "teams/101/runners/",
                "stations/R1/",
            )
        )
        for page in pages:
            response = self.client.get(self.url(page))
            assert response.status_code == 200, page
            title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)
            assert "<" not in title and title.endswith("· Tasuki"), (page, title)

    def test_the_confirm_takes_only_a_post(self):
        self.as_user(self.olivia)
        assert self.client.get(self.url("upload/confirm/")).status_code == 405
        assert self.client.get(self.url(f"teams/101/splits/{self.r1_101.pk}/void/")).status_code == 405

    def test_an_unknown_race_or_team_is_not_found(self):
        self.as_user(self.olivia)
        assert self.client.get("/officials/no-such-race/anomalies/").status_code == 404
        assert self.client.get(self.url("teams/999/")).status_code == 404

    def test_the_home_page_links_the_desk_pages_for_organisers_only(self):
        self.as_user(self.olivia)
        page = self.client.get("/officials/").content.decode()
        for link in ("anomalies/", "upload/", "audit/", "teams/"):
            assert f'/officials/kl-ekiden/{link}"' in page, link
        self.as_user(self.alice)
        page = self.client.get("/officials/").content.decode()
        assert '/officials/kl-ekiden/teams/"' in page
        assert "/officials/kl-ekiden/anomalies/" not in page

    def test_the_results_desk_sees_the_race_on_its_home_page(self):
        self.as_user(self.dana)
        self.assertContains(self.client.get("/officials/"), "/officials/kl-ekiden/anomalies/")


class TestCsrf(DeskTestCase):
    def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.olivia)
        response = client.post(self.url(f"teams/102/splits/{self.r2_102.pk}/void/"), {"reason": "wrong bib"})
        assert response.status_code == 403
        self.r2_102.refresh_from_db()
        assert not self.r2_102.voided

    def test_the_page_s_own_form_carries_the_token(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.olivia)
        page = client.get(self.url("teams/102/")).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = client.post(
            self.url(f"teams/102/splits/{self.r2_102.pk}/void/"),
            {"reason": "wrong bib", "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 302
        self.r2_102.refresh_from_db()
        assert self.r2_102.voided


# --- corrections ----------------------------------------------------------------------------


class TestTheTeamsSplits(DeskTestCase):
    def test_every_read_is_shown_with_its_source_and_the_effective_time_marked(self):
        self.read("101", "R1", "06:50:30", Source.CHIP)  # a later duplicate: not the effective time
        self.as_user(self.olivia)
        page = self.client.get(self.url("teams/101/")).content.decode()
        assert "06:50:00.000 · effective time" in page
        assert "06:50:30.000</legend>" in page
        assert "device R1 tablet" in page and "Chip reader" in page
        assert "07:12:00.250 · effective time" in page

    def test_a_voided_read_shows_why_and_by_whom_and_the_next_read_counts(self):
        later = self.read("101", "R1", "06:50:30", Source.CHIP)
        timing_record_void(record=self.r1_101, reason="tapped too early", actor=Actor.of_user(self.olivia))
        self.as_user(self.olivia)
        page = self.client.get(self.url("teams/101/")).content.decode()
        assert "<s>06:50:00.000</s> voided" in page
        assert "tapped too early · olivia" in page
        assert "06:50:30.000 · effective time" in page
        assert f"/splits/{self.r1_101.pk}/restore/" in page and f"/splits/{later.pk}/void/" in page

    def test_a_station_official_sees_the_other_stations_read_only(self):
        self.as_user(self.alice)
        page = self.client.get(self.url("teams/101/")).content.decode()
        assert "07:12:00.250" in page
        assert f"/splits/{self.r1_101.pk}/void/" in page
        assert f"/splits/{self.r2_101.pk}/void/" not in page
        assert "read only: not your station" in page
        assert '<option value="R1"' in page and '<option value="R2"' not in page

    def test_a_station_official_cannot_void_at_another_station(self):
        self.as_user(self.alice)
        response = self.client.post(self.url(f"teams/101/splits/{self.r2_101.pk}/void/"), {"reason": "no"})
        assert response.status_code == 403
        self.assertContains(response, "only at your stations (R1)", status_code=403)
        self.r2_101.refresh_from_db()
        assert not self.r2_101.voided
        assert not AuditEntry.objects.filter(action=AuditEntry.Action.TIMING_VOIDED).exists()

    def test_a_station_official_cannot_add_a_split_at_another_station(self):
        self.as_user(self.alice)
        before = TimingRecord.objects.count()
        data = {"station": "R2", "time": "07:20:00", "reason": "sheet"}
        assert self.client.post(self.url("teams/101/splits/"), data).status_code == 403
        assert TimingRecord.objects.count() == before

    def test_a_station_official_voids_at_their_own_station(self):
        self.as_user(self.alice)
        response = self.client.post(
            self.url(f"teams/101/splits/{self.r1_101.pk}/void/"), {"reason": "wrong bib"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/officials/kl-ekiden/teams/101/#station-R1"
        self.r1_101.refresh_from_db()
        assert self.r1_101.voided and self.r1_101.voided_by == self.alice

    def test_a_read_of_another_team_is_not_found_under_this_one(self):
        self.as_user(self.olivia)
        response = self.client.post(self.url(f"teams/101/splits/{self.r2_102.pk}/void/"), {"reason": "x"})
        assert response.status_code == 404

    def test_the_team_search_goes_straight_to_an_exact_bib(self):
        self.as_user(self.alice)
        response = self.client.get(self.url("teams/"), {"q": "102"})
        assert response.status_code == 302 and response["Location"] == "/officials/kl-ekiden/teams/102/"

    def test_a_nul_character_in_a_bib_or_a_search_is_no_error(self):
        self.as_user(self.alice)
        # Refused before the view (ekiden/request_input.py), with a page that says what to remove.
        for response in (
            self.client.get(self.url("teams/1%000/")),
            self.client.get(self.url("teams/"), {"q": "saku\x00"}),
        ):
            self.assertContains(response, "The request holds a NUL character", status_code=400)

    def test_the_team_search_finds_a_name(self):
        self.as_user(self.alice)
        response = self.client.get(self.url("teams/"), {"q": "saku"})
        self.assertContains(response, 'href="/officials/kl-ekiden/teams/102/"')
        self.assertNotContains(response, "Harimau")


class TestAddingASplitByHand(DeskTestCase):
    def add(self, **data):
        self.as_user(self.olivia)
        return self.client.post(
            self.url("teams/101/splits/"), {"station": "FINISH", "reason": "finish sheet", **data}
        )

    def test_a_local_time_of_day_is_stored_as_a_manual_split_and_audited(self):
        response = self.add(time="07:40:05.5")
        assert response.status_code == 302
        record = TimingRecord.objects.get(team=self.harimau, station__code="FINISH")
        assert record.at == datetime(2025, 11, 22, 23, 40, 5, 500000, tzinfo=UTC)
        assert (record.source, record.recorded_by) == (Source.MANUAL, self.olivia)
        entry = AuditEntry.objects.get(action=AuditEntry.Action.TIMING_ADDED)
        assert (entry.actor, entry.team, entry.reason) == ("olivia", self.harimau, "finish sheet")
        assert entry.details["before"] == {"effective_time": None}
        assert entry.details["after"] == {"effective_time": record.at.isoformat()}

    def test_an_iso_time_with_an_offset_is_understood(self):
        assert self.add(time="2025-11-22T23:41:00Z").status_code == 302
        assert TimingRecord.objects.get(station__code="FINISH").at == datetime(
            2025, 11, 22, 23, 41, tzinfo=UTC
        )

    def test_a_bad_time_is_explained_and_nothing_is_stored(self):
        before = TimingRecord.objects.count()
        response = self.add(time="7h40")
        assert response.status_code == 200
        self.assertContains(response, "is not a time; write HH:MM:SS[.fff]")
        assert TimingRecord.objects.count() == before
        assert not AuditEntry.objects.filter(action=AuditEntry.Action.TIMING_ADDED).exists()

    def test_a_time_before_the_gun_is_explained(self):
        self.assertContains(self.add(time="06:00:00"), "is before the start gun at 06:30:00.000")

    def test_a_translated_problem_lands_beside_its_field(self):
        """In Japanese the words have their own colons; the field comes from the problem."""
        japanese = {
            "%(time)s is before the start gun at %(gun)s.": "時刻：%(time)s は号砲（%(gun)s）より前です。"
        }
        self.as_user(self.olivia)
        with mock.patch("results.timing.read_checker._", lambda text: japanese.get(text, text)):
            response = self.client.post(
                self.url("teams/101/splits/"),
                {"station": "FINISH", "reason": "finish sheet", "time": "06:00:00"},
                headers={"Accept-Language": "ja"},
            )
        form = response.context["add_form"]
        assert form.errors["time"] == ["時刻：06:00:00 は号砲（06:30:00.000）より前です。"]
        assert form.non_field_errors() == []
        assert not TimingRecord.objects.filter(station__code="FINISH").exists()

    def test_an_unknown_station_is_explained(self):
        response = self.add(station="R9", time="07:40:00")
        assert response.status_code == 200
        self.assertContains(response, "R9 is not a station of this race")
        assert not TimingRecord.objects.filter(station__code="FINISH").exists()

    def test_an_empty_reason_or_time_is_asked_for(self):
        response = self.add(time="", reason="  ")
        self.assertContains(response, "Enter the time the tasuki passed.")
        self.assertContains(response, "Say where this time comes from")

    def refused(self, message: str, **data) -> None:
        before = TimingRecord.objects.count()
        response = self.add(**data)
        assert response.status_code == 200
        assert response.context["add_form"].errors["time"] == [message]
        assert TimingRecord.objects.count() == before
        assert not AuditEntry.objects.filter(action=AuditEntry.Action.TIMING_ADDED).exists()

    def test_a_time_still_to_come_is_refused(self):
        race_day_0730 = datetime(2025, 11, 22, 23, 30, tzinfo=UTC)  # 07:30 in Kuala Lumpur
        with mock.patch("django.utils.timezone.now", return_value=race_day_0730):
            self.refused(
                "2025-11-23 23:59:59.000 has not come yet (it is 2025-11-23 07:30:00.000 now): a split "
                "is added once the tasuki has passed.",
                time="23:59:59",
            )

    def test_a_finish_before_the_team_passed_an_earlier_station_is_refused(self):
        self.refused(
            "team 101 passed R2 at 07:12:00.250, not before this time at FINISH (07:10:00.000), though "
            "R2 comes first. Check the time, or void the wrong split at R2 first.",
            time="07:10:00",
        )

    def test_a_relay_after_the_team_passed_a_later_station_is_refused(self):
        self.refused(
            "team 101 passed R2 at 07:12:00.250, not after this time at R1 (07:13:00.000), though R2 "
            "comes later. Check the time, or void the wrong split at R2 first.",
            station="R1",
            time="07:13:00",
        )

    def test_a_voided_split_is_not_in_the_way(self):
        timing_record_void(record=self.r2_101, reason="a spectator's chip", actor=Actor("olivia"))
        assert self.add(station="R1", time="07:13:00").status_code == 302

    def test_the_same_split_twice_is_stored_once(self):
        self.add(time="07:40:05")
        response = self.add(time="07:40:05")
        assert response.status_code == 302
        assert TimingRecord.objects.filter(station__code="FINISH").count() == 1


class TestVoidingAndRestoring(DeskTestCase):
    def post(self, action: str, record: TimingRecord, reason: str, bib: str = "102"):
        self.as_user(self.olivia)
        return self.client.post(self.url(f"teams/{bib}/splits/{record.pk}/{action}/"), {"reason": reason})

    def test_voiding_records_who_when_why_and_the_effective_time_before_and_after(self):
        assert self.post("void", self.r2_102, "a spectator's chip").status_code == 302
        self.r2_102.refresh_from_db()
        assert self.r2_102.voided and self.r2_102.void_reason == "a spectator's chip"
        entry = AuditEntry.objects.get(action=AuditEntry.Action.TIMING_VOIDED)
        assert (entry.actor, entry.user, entry.team, entry.reason) == (
            "olivia",
            self.olivia,
            self.sakura,
            "a spectator's chip",
        )
        assert entry.details["before"] == {"voided": False, "effective_time": self.r2_102.at.isoformat()}
        assert entry.details["after"] == {"voided": True, "effective_time": None}

    def test_an_empty_reason_is_asked_for_and_nothing_changes(self):
        response = self.post("void", self.r2_102, "   ")
        assert response.status_code == 200
        self.assertContains(response, "Say why; the reason goes into the audit trail.")
        self.r2_102.refresh_from_db()
        assert not self.r2_102.voided

    def test_a_reason_longer_than_the_trail_holds_is_refused(self):
        self.assertContains(self.post("void", self.r2_102, "x" * 301), "at most 300 characters")

    def test_voiding_twice_says_it_is_already_voided(self):
        self.post("void", self.r2_102, "wrong")
        self.assertContains(self.post("void", self.r2_102, "again"), "this split is already voided.")
        assert AuditEntry.objects.filter(action=AuditEntry.Action.TIMING_VOIDED).count() == 1

    def test_restoring_puts_the_read_back_with_its_own_reason(self):
        self.post("void", self.r2_102, "wrong")
        assert self.post("restore", self.r2_102, "it was right after all").status_code == 302
        self.r2_102.refresh_from_db()
        assert not self.r2_102.voided
        entry = AuditEntry.objects.get(action=AuditEntry.Action.TIMING_RESTORED)
        assert entry.details["after"] == {"voided": False, "effective_time": self.r2_102.at.isoformat()}

    def test_the_team_s_changes_are_shown_to_organisers_on_its_page(self):
        self.post("void", self.r2_102, "a spectator's chip")
        page = self.client.get(self.url("teams/102/")).content.decode()
        assert "Changes to this team" in page and "a spectator&#x27;s chip" in page
        assert "effective time 06:54:00.000 → none" in page
        self.as_user(self.alice)
        assert "Changes to this team" not in self.client.get(self.url("teams/102/")).content.decode()


# --- chip-file upload -----------------------------------------------------------------------


class TestUploadingAChipFile(DeskTestCase):
    GOOD = HEADER + (
        b"101,FINISH,07:40:00,chip,f1\n"
        b"102,FINISH,07:45:00,chip,f2\n"
        b"101,R2,07:12:00.250,chip,\n"  # already stored (same content, no read id)
    )

    def setUp(self):
        # Previewed files wait on disk under TASUKI_VAR_DIR: a folder of this test's own.
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        held_here = self.settings(TASUKI_VAR_DIR=folder.name)
        held_here.enable()
        self.addCleanup(held_here.disable)

    def preview(self, content: bytes = GOOD, user=None, name="finish.csv"):
        self.as_user(user or self.olivia)
        return self.client.post(self.url("upload/"), {"file": chip_file(content, name)})

    def digest(self, response) -> str:
        return re.search(r'name="digest" value="([0-9a-f]{64})"', response.content.decode()).group(1)

    def test_the_preview_counts_per_station_and_stores_nothing(self):
        version = Race.objects.get(pk=self.race.pk).standings_version
        response = self.preview()
        assert response.status_code == 200
        self.assertContains(response, "2 new reads would be stored")
        self.assertContains(response, "1 is already stored")
        self.assertContains(response, "<tr><td>R2</td><td>0</td><td>1</td></tr>", html=True)
        self.assertContains(response, "<tr><td>FINISH</td><td>2</td><td>0</td></tr>", html=True)
        assert TimingRecord.objects.count() == 4
        assert not AuditEntry.objects.filter(action=AuditEntry.Action.TIMING_IMPORTED).exists()
        assert Race.objects.get(pk=self.race.pk).standings_version == version

    def test_the_confirm_stores_the_file_and_audits_it(self):
        response = self.client.post(self.url("upload/confirm/"), {"digest": self.digest(self.preview())})
        assert response.status_code == 302 and response["Location"] == "/officials/kl-ekiden/upload/"
        assert TimingRecord.objects.filter(station__code="FINISH").count() == 2
        entry = AuditEntry.objects.get(action=AuditEntry.Action.TIMING_IMPORTED)
        assert (entry.actor, entry.details["file"], entry.details["added"]) == ("olivia", "finish.csv", 2)
        self.assertContains(self.client.get(response["Location"]), "2 timing records added, 1 already stored")

    def test_a_preview_is_confirmed_once(self):
        digest = self.digest(self.preview())
        self.client.post(self.url("upload/confirm/"), {"digest": digest})
        response = self.client.post(self.url("upload/confirm/"), {"digest": digest}, follow=True)
        self.assertContains(response, "That preview is no longer kept")
        assert AuditEntry.objects.filter(action=AuditEntry.Action.TIMING_IMPORTED).count() == 1

    def test_a_file_previewed_by_someone_else_cannot_be_confirmed(self):
        digest = self.digest(self.preview())
        self.as_user(self.dana)
        response = self.client.post(self.url("upload/confirm/"), {"digest": digest}, follow=True)
        self.assertContains(response, "That preview is no longer kept")
        assert not TimingRecord.objects.filter(station__code="FINISH").exists()

    def test_a_forged_digest_is_refused_politely(self):
        self.as_user(self.olivia)
        response = self.client.post(self.url("upload/confirm/"), {"digest": "../etc"}, follow=True)
        self.assertContains(response, "That preview is no longer kept")

    def test_the_confirm_checks_again_against_reads_stored_meanwhile(self):
        digest = self.digest(self.preview())
        self.read("101", "FINISH", "07:40:00", Source.CHIP, read_id="f1")  # the same read, by a device
        response = self.client.post(self.url("upload/confirm/"), {"digest": digest}, follow=True)
        self.assertContains(response, "1 timing records added, 2 already stored")
        self.assertContains(response, "The preview said 2 new reads; 1 were new at the confirm")

    def test_a_conflict_that_arose_meanwhile_stores_nothing(self):
        digest = self.digest(self.preview())
        self.read("102", "R2", "07:20:00", Source.CHIP, read_id="f2")  # read id f2 now means another read
        response = self.client.post(self.url("upload/confirm/"), {"digest": digest})
        assert response.status_code == 200
        self.assertContains(response, "The reads stored since the preview make this file wrong now")
        self.assertContains(response, "line 3, read_id: read id f2 is already stored for team 102")
        assert not TimingRecord.objects.filter(station__code="FINISH").exists()

    def test_every_problem_is_listed_by_line_and_nothing_can_be_confirmed(self):
        response = self.preview(
            HEADER + b"101,R1,07:00:00,chip,\n999,R1,07:00:00,chip,\n101,R7,25:00:00,chip,\n"
        )
        self.assertContains(response, "3 problems. Nothing was stored")
        self.assertContains(response, "line 3, bib: &#x27;999&#x27; is not a team bib")
        self.assertContains(response, "line 4, station: &#x27;R7&#x27; is not a station of this race")
        self.assertContains(response, "line 4, time: &#x27;25:00:00&#x27; is not a time of day")
        self.assertNotContains(response, 'name="digest"')
        assert TimingRecord.objects.count() == 4

    def test_a_long_list_of_problems_shows_the_first_two_hundred_and_the_total(self):
        response = self.preview(HEADER + b"".join(b"999,R1,07:00:00,chip,\n" for _ in range(250)))
        self.assertContains(response, "250 problems")
        self.assertContains(response, "line 201, bib")
        self.assertNotContains(response, "line 202, bib")
        self.assertContains(response, "and 50 more problems, not shown")

    def test_an_unreadable_file_is_explained(self):
        self.assertContains(self.preview(b"\xff\xfe bad"), "is not UTF-8 text")
        self.assertContains(self.preview(b"team,when\n"), "missing column(s) bib, station, time")

    @override_settings(TASUKI_UPLOAD_MAX_BYTES=64)
    def test_a_file_over_the_size_limit_is_refused_with_the_limit(self):
        response = self.preview()
        self.assertContains(response, "an upload may be at most 64\xa0bytes")
        self.assertContains(response, "Split it into smaller files")
        self.assertNotContains(response, 'name="digest"')

    def test_no_file_is_asked_for(self):
        self.as_user(self.olivia)
        self.assertContains(self.client.post(self.url("upload/"), {}), "Choose the file to upload.")

    def test_a_file_with_nothing_new_offers_nothing_to_confirm(self):
        response = self.preview(HEADER + b"101,R2,07:12:00.250,chip,\n")
        self.assertContains(response, "Nothing new in this file")
        self.assertNotContains(response, 'name="digest"')

    def test_the_results_desk_may_upload(self):
        response = self.client.post(
            self.url("upload/confirm/"), {"digest": self.digest(self.preview(user=self.dana))}
        )
        assert response.status_code == 302
        assert AuditEntry.objects.get(action=AuditEntry.Action.TIMING_IMPORTED).actor == "dana"


class TestTimingImportDryRun(DeskTestCase):
    def test_a_dry_run_says_what_would_be_stored_per_station_and_stores_nothing(self):
        raw = HEADER + b"101,FINISH,07:40:00,chip,\n102,FINISH,07:41:00,chip,\n101,R1,06:50:00,tablet,\n"
        summary = timing_import(race=self.race, raw=raw, dry_run=True)
        assert (summary.added, summary.already_stored) == (2, 1)
        assert summary.added_at == {"R1": 0, "FINISH": 2}
        assert summary.already_stored_at == {"R1": 1, "FINISH": 0}
        assert TimingRecord.objects.count() == 4

    def test_the_real_import_gives_the_same_counts(self):
        raw = HEADER + b"101,FINISH,07:40:00,chip,\n101,R1,06:50:00,tablet,\n"
        preview = timing_import(race=self.race, raw=raw, dry_run=True)
        assert timing_import(race=self.race, raw=raw) == preview


# --- anomalies ------------------------------------------------------------------------------


class TestTheAnomalyList(DeskTestCase):
    def anomalies(self, **headers):
        self.as_user(self.olivia)
        return self.client.get(self.url("anomalies/"), **headers)

    def test_a_negative_leg_is_listed_with_a_link_to_the_team(self):
        response = self.anomalies()
        self.assertContains(response, "Earlier than the station before")
        self.assertContains(
            response, "06:54:00.000 at R2 is earlier than the team&#x27;s 06:55:00.000 at R1."
        )
        self.assertContains(response, 'href="/officials/kl-ekiden/teams/102/#station-R2"')

    def test_voiding_the_wrong_read_on_the_team_page_clears_it(self):
        assert "Earlier than the station before" in self.anomalies().content.decode()
        self.client.post(self.url(f"teams/102/splits/{self.r2_102.pk}/void/"), {"reason": "wrong bib"})
        page = self.anomalies().content.decode()
        assert "Earlier than the station before" not in page
        assert "Nothing to check." in page

    def test_a_new_read_shows_on_the_next_poll(self):
        assert "Read twice" not in self.anomalies().content.decode()
        self.read("101", "R1", "06:52:00", Source.CHIP)
        self.assertContains(self.anomalies(HTTP_HX_REQUEST="true"), "Read twice")

    def test_htmx_polls_swap_the_list_alone(self):
        page = self.anomalies().content.decode()
        assert 'hx-trigger="every 5s"' in page and "htmx" in page and "<h1>" in page
        fragment = self.anomalies(HTTP_HX_REQUEST="true").content.decode()
        assert fragment.startswith('<div id="anomaly-list"') and "<h1>" not in fragment

    def test_an_unknown_bib_from_a_device_is_listed_until_resolved(self):
        at = datetime(2025, 11, 22, 23, 1, 2, tzinfo=UTC)
        read = UnmatchedRead.objects.create(
            race=self.race, bib_as_read="777", station_code="R1", at=at, device="R1 tablet"
        )
        response = self.anomalies()
        self.assertContains(response, "R1 tablet read 777 at R1 at 07:01:02.000")
        self.assertContains(response, 'href="/officials/kl-ekiden/teams/?q=777"')
        unmatched_read_resolve(
            race=self.race, read_pk=read.pk, actor=Actor.of_user(self.olivia), note="177 on the keypad"
        )
        self.assertNotContains(self.anomalies(), "777")

    def test_a_leg_faster_than_the_setting_allows_is_listed(self):
        # 101 ran R1 to R2 (5 km) in 22 minutes: 4:24 min/km.
        assert "Too fast" not in self.anomalies().content.decode()
        with override_settings(TASUKI_MIN_PACE_SECONDS_PER_KM=300):
            self.assertContains(
                self.anomalies(), "R1 to R2 in 0:22:01: 4:24 min/km, faster than the limit of 5:00"
            )

    def test_the_list_reads_the_race_in_the_same_few_queries_whatever_its_size(self):
        # The version, the course, the reads, the teams, the unknown bibs: never one per team.
        race = Race.objects.get(pk=self.race.pk)
        with self.assertNumQueries(5):
            small = anomalies_for_race(race)
        mixed = Category.objects.get(race=self.race, code="MX")
        for n in range(200, 230):
            Team.objects.create(race=self.race, bib=str(n), name=f"Team {n}", category=mixed)
            self.read(str(n), "R2", "07:20:00", Source.CHIP)
        race = Race.objects.get(pk=self.race.pk)
        with self.assertNumQueries(5):
            large = anomalies_for_race(race)
        assert len(large) == len(small) + 30  # each new team misses its R1 split
        assert {a.kind for a in large} == {Kind.NEGATIVE_LEG, Kind.MISSING_SPLIT}

    def test_between_changes_a_poll_reads_only_the_version_and_the_unknown_bibs(self):
        race = Race.objects.get(pk=self.race.pk)
        first = anomalies_for_race(race)
        with self.assertNumQueries(2):
            assert anomalies_for_race(race) == first


# --- the audit trail ------------------------------------------------------------------------


class TestTheAuditTrail(DeskTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        timing_record_void(record=cls.r2_102, reason="a spectator's chip", actor=Actor.of_user(cls.olivia))
        cls.read(
            "101", "FINISH", "07:40:00", Source.MANUAL, actor=Actor.of_user(cls.dana), reason="finish sheet"
        )

    def trail(self, **query):
        self.as_user(self.olivia)
        return self.client.get(self.url("audit/"), query)

    def test_every_change_is_listed_with_who_what_and_the_effective_time_before_and_after(self):
        response = self.trail()
        self.assertContains(response, "Split voided")
        self.assertContains(response, "R2 · 06:54:00.000 · effective time 06:54:00.000 → none")
        self.assertContains(response, "FINISH · 07:40:00.000 · effective time none → 07:40:00.000")
        self.assertContains(response, 'href="/officials/kl-ekiden/teams/102/"')

    def test_it_filters_by_action_team_and_actor(self):
        by_action = self.trail(action=AuditEntry.Action.TIMING_VOIDED).content.decode()
        assert "Split voided" in by_action and "finish sheet" not in by_action
        by_team = self.trail(team="101").content.decode()
        assert "finish sheet" in by_team and "a spectator" not in by_team
        by_name = self.trail(team="saku").content.decode()
        assert "a spectator" in by_name and "finish sheet" not in by_name
        by_actor = self.trail(actor="dan").content.decode()
        assert "finish sheet" in by_actor and "a spectator" not in by_actor

    def test_device_tokens_made_and_revoked_are_told_to_organisers_in_words(self):
        r2 = Station.objects.get(race=self.race, code="R2")
        tablet, plain = device_token_create(
            race=self.race, name="R2 tablet", stations=[r2], actor=Actor.of_user(self.olivia)
        )
        device_tokens_revoke(tokens=DeviceToken.objects.filter(pk=tablet.pk), actor=Actor.of_user(self.dana))
        page = html.unescape(self.trail(action=AuditEntry.Action.DEVICE_TOKEN_CREATED).content.decode())
        assert "Device token made" in page and "olivia" in page
        assert f"'R2 tablet' ({tablet.prefix}…) for R2" in page
        assert plain not in page and tablet.token_hash not in page
        revoked = html.unescape(self.trail(action=AuditEntry.Action.DEVICE_TOKEN_REVOKED).content.decode())
        assert "Device token revoked" in revoked and "dana" in revoked and "'R2 tablet'" in revoked

        self.as_user(self.alice)
        refused = self.client.get(self.url("audit/"))
        assert refused.status_code == 403
        self.assertNotContains(refused, "R2 tablet", status_code=403)

    def test_an_unknown_action_shows_no_entry_and_no_error(self):
        response = self.trail(action="nonsense")
        assert response.status_code == 200
        self.assertContains(response, "Select a valid choice")

    def test_it_is_paginated_and_ignores_odd_page_parameters(self):
        AuditEntry.objects.bulk_create(
            AuditEntry(race=self.race, actor="script", action=AuditEntry.Action.TEAM_STATUS)
            for _ in range(60)
        )
        rows = self.trail().content.decode().count("<tr")
        assert rows == 51  # the header and 50 entries
        assert self.trail(page="2").content.decode().count("<tr") == 1 + 62 - 50
        assert self.trail(page="2").status_code == 200
        assert self.trail(page="99", per_page="0").status_code == 200
        assert self.trail(page="x").status_code == 200

    def test_a_page_number_typed_in_full_width_digits_is_that_page(self):
        AuditEntry.objects.bulk_create(
            AuditEntry(race=self.race, actor="script", action=AuditEntry.Action.TEAM_STATUS)
            for _ in range(60)
        )
        # A Japanese phone's keyboard types "２": the official means page 2, as on the public pages.
        assert self.trail(page="２").context["table"].page.number == 2
        assert self.trail(page="２").content.decode().count("<tr") == 1 + 62 - 50
        assert self.trail(page="３").context["table"].page.number == 1  # past the end: the first
