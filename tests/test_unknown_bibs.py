"""Unknown bibs dealt with: an official clears one from the anomaly list, and can put it back.

The KL Ekiden of tests/test_officials_desk.py (Olivia organises it, Dana works its results desk,
Alice keeps station R1, Bob has no role). The R1 tablet read bib 777, which no team has; Oscar
organises the Penang Ekiden, whose R2 tablet read bib 888.
"""

import re
from datetime import UTC, datetime
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from races.audit import Actor
from races.models import AuditEntry, OfficialRole, RaceOfficial
from races.services import race_import
from results.timing.models import UnmatchedRead
from results.timing.unmatched_reads import NOTE_MAX_LENGTH, unmatched_read_reopen, unmatched_read_resolve
from tests.race_payloads import PENANG
from tests.test_officials_desk import DeskTestCase

NOTE = "bib 777 was 177, split added by hand"


class UnknownBibTestCase(DeskTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.unknown = UnmatchedRead.objects.create(
            race=cls.race,
            bib_as_read="777",
            station_code="R1",
            at=datetime(2025, 11, 22, 23, 1, 2, tzinfo=UTC),
            device="R1 tablet",
        )
        cls.penang, _ = race_import(payload=PENANG)
        cls.oscar = get_user_model().objects.create_user("oscar")
        RaceOfficial.objects.create(race=cls.penang, user=cls.oscar, role=OfficialRole.ORGANISER)
        cls.penang_unknown = UnmatchedRead.objects.create(
            race=cls.penang, bib_as_read="888", station_code="R2", device="R2 tablet"
        )

    def deal_with(self, read=None, note=NOTE, slug="kl-ekiden", **extra):
        read_pk = (read or self.unknown).pk
        return self.client.post(
            f"/officials/{slug}/anomalies/unknown-bibs/{read_pk}/dealt-with/", {"note": note, **extra}
        )

    def reopen(self, read=None, note="", slug="kl-ekiden"):
        read_pk = (read or self.unknown).pk
        return self.client.post(f"/officials/{slug}/anomalies/unknown-bibs/{read_pk}/reopen/", {"note": note})

    def anomalies(self, **headers) -> str:
        return self.client.get(self.url("anomalies/"), **headers).content.decode()

    def assert_unchanged(self, read=None):
        read = read or self.unknown
        read.refresh_from_db()
        assert not read.resolved and read.resolved_by is None and read.resolved_at is None
        assert read.resolution_note == ""
        assert not AuditEntry.objects.filter(
            action__in=[AuditEntry.Action.UNMATCHED_RESOLVED, AuditEntry.Action.UNMATCHED_REOPENED]
        ).exists()


# --- dealing with one -----------------------------------------------------------------------


class TestDealingWithAnUnknownBib(UnknownBibTestCase):
    def test_only_the_unknown_bib_gets_a_dealt_with_button_with_the_csrf_token(self):
        self.as_user(self.olivia)
        page = self.anomalies()
        action = f'action="/officials/kl-ekiden/anomalies/unknown-bibs/{self.unknown.pk}/dealt-with/"'
        assert action in page
        assert page.count('action="/officials/kl-ekiden/anomalies/unknown-bibs/') == 1  # not the teams'
        assert 'name="csrfmiddlewaretoken"' in page
        assert f'maxlength="{NOTE_MAX_LENGTH}"' in page

    def test_an_organiser_marks_it_dealt_with_and_it_leaves_the_open_anomalies(self):
        self.as_user(self.olivia)
        response = self.deal_with()
        assert response.status_code == 302 and response["Location"] == "/officials/kl-ekiden/anomalies/"
        self.unknown.refresh_from_db()
        assert self.unknown.resolved and self.unknown.resolved_by == self.olivia
        assert self.unknown.resolved_at is not None and self.unknown.resolution_note == NOTE
        page = self.anomalies()
        assert "R1 tablet read 777" not in page and "Unknown bib: 1" not in page
        assert "What was done" not in page  # no column of empty cells when no unknown bib is open
        assert "Earlier than the station before" in page  # the other anomalies stay
        assert '<a href="/officials/kl-ekiden/anomalies/dealt-with/">1 unknown bib dealt with</a>' in page

    def test_it_says_so_on_the_page_it_comes_back_to(self):
        self.as_user(self.olivia)
        response = self.client.get(self.deal_with()["Location"])
        self.assertContains(response, "Unknown bib 777 at R1 is dealt with")

    def test_the_results_desk_may_deal_with_it_and_the_note_is_optional(self):
        self.as_user(self.dana)
        assert self.deal_with(note="  ").status_code == 302
        self.unknown.refresh_from_db()
        assert self.unknown.resolved and self.unknown.resolved_by == self.dana
        assert self.unknown.resolution_note == ""

    def test_it_goes_into_the_audit_trail_with_who_when_what_before_and_after(self):
        self.as_user(self.olivia)
        self.deal_with()
        entry = AuditEntry.objects.get(action=AuditEntry.Action.UNMATCHED_RESOLVED)
        assert (entry.race, entry.user, entry.actor, entry.team) == (self.race, self.olivia, "olivia", None)
        assert entry.reason == NOTE and entry.at is not None
        assert entry.details == {
            "unmatched_read": self.unknown.pk,
            "bib_as_read": "777",
            "station": "R1",
            "time": "2025-11-22T23:01:02+00:00",
            "device": "R1 tablet",
            "before": {"resolved": False},
            "after": {"resolved": True},
        }
        trail = self.client.get(self.url("audit/")).content.decode()
        assert "Unknown bib dealt with" in trail and NOTE in trail
        assert "read as 777 · R1 · 07:01:02.000 · device R1 tablet · open → dealt with" in trail

    def test_the_page_of_the_list_it_was_on_is_kept(self):
        self.as_user(self.olivia)
        response = self.deal_with(page="2")
        assert response["Location"] == "/officials/kl-ekiden/anomalies/?page=2"


class TestTheDealtWithPage(UnknownBibTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        unmatched_read_resolve(
            race=cls.race, read_pk=cls.unknown.pk, actor=Actor.of_user(cls.dana), note=NOTE
        )

    def test_it_lists_each_with_who_when_and_what_was_done(self):
        self.as_user(self.olivia)
        response = self.client.get(self.url("anomalies/dealt-with/"))
        self.assertContains(response, "777")
        self.assertContains(response, "R1 tablet")
        self.assertContains(response, "07:01:02.000")
        self.assertContains(response, NOTE)
        self.assertContains(response, "dana")
        self.unknown.refresh_from_db()
        resolved_at = self.unknown.resolved_at.astimezone(self.race.zone).strftime("%Y-%m-%d %H:%M:%S")
        self.assertContains(response, resolved_at)
        self.assertContains(response, "Not dealt with after all")
        self.assertContains(
            response, f'action="/officials/kl-ekiden/anomalies/unknown-bibs/{self.unknown.pk}/reopen/"'
        )

    def test_reopening_puts_it_back_on_the_open_anomalies(self):
        self.as_user(self.olivia)
        response = self.reopen(note="177 has its R1 split already: a different runner")
        assert response["Location"] == "/officials/kl-ekiden/anomalies/dealt-with/"
        self.unknown.refresh_from_db()
        assert not self.unknown.resolved and self.unknown.resolved_by is None
        assert self.unknown.resolved_at is None and self.unknown.resolution_note == ""
        assert "R1 tablet read 777 at R1" in self.anomalies()
        self.assertContains(
            self.client.get(self.url("anomalies/dealt-with/")), "No unknown bib has been dealt"
        )

    def test_reopening_is_audited_with_what_the_note_had_said(self):
        self.as_user(self.olivia)
        self.reopen(note="a different runner")
        entry = AuditEntry.objects.get(action=AuditEntry.Action.UNMATCHED_REOPENED)
        assert (entry.user, entry.actor, entry.reason) == (self.olivia, "olivia", "a different runner")
        assert entry.details["before"]["resolved"] is True
        assert entry.details["before"]["by"] == "dana" and entry.details["before"]["note"] == NOTE
        assert entry.details["after"] == {"resolved": False}
        trail = self.client.get(self.url("audit/")).content.decode()
        assert "Unknown bib not dealt with after all" in trail and "dealt with → open" in trail

    def test_the_page_is_linked_from_the_anomaly_list_and_back(self):
        self.as_user(self.olivia)
        assert "/officials/kl-ekiden/anomalies/dealt-with/" in self.anomalies()
        self.assertContains(
            self.client.get(self.url("anomalies/dealt-with/")), 'href="/officials/kl-ekiden/anomalies/"'
        )


class TestThePollKeepsWorking(UnknownBibTestCase):
    def test_the_poll_swaps_the_list_with_its_button_and_the_dealt_with_count(self):
        self.as_user(self.olivia)
        fragment = self.anomalies(HTTP_HX_REQUEST="true")
        assert fragment.startswith('<div id="anomaly-list"') and "<h1>" not in fragment
        assert 'hx-trigger="every 5s"' in fragment and "/dealt-with/" in fragment
        unmatched_read_resolve(race=self.race, read_pk=self.unknown.pk, actor=Actor.of_user(self.dana))
        fragment = self.anomalies(HTTP_HX_REQUEST="true")
        assert "777" not in fragment and "1 unknown bib dealt with" in fragment

    def test_a_poll_waits_while_an_official_writes_a_note_and_keeps_what_was_typed(self):
        self.as_user(self.olivia)
        fragment = self.anomalies(HTTP_HX_REQUEST="true")
        assert "hx-on::before-request=\"if (this.querySelector('form:focus-within'))" in fragment
        assert "hx-on::before-swap=\"if (this.querySelector('form:focus-within'))" in fragment
        note_field = re.search(r'<input type="text" id="note-(\d+)"[^>]*>', fragment)
        assert (
            note_field
            and note_field.group(1) == str(self.unknown.pk)
            and "hx-preserve" in note_field.group(0)
        )


# --- who may --------------------------------------------------------------------------------


class TestWhoMayDealWithIt(UnknownBibTestCase):
    def test_an_anonymous_visitor_is_sent_to_the_login_page_and_nothing_changes(self):
        for response in (self.deal_with(), self.reopen(), self.client.get(self.url("anomalies/dealt-with/"))):
            assert response.status_code == 302 and response["Location"].startswith("/officials/login/")
        self.assert_unchanged()

    def test_a_station_official_is_refused_and_nothing_changes(self):
        self.as_user(self.alice)
        response = self.deal_with()
        assert response.status_code == 403
        self.assertContains(response, "organisers and the results desk", status_code=403)
        assert self.client.get(self.url("anomalies/dealt-with/")).status_code == 403
        self.assert_unchanged()

    def test_a_station_official_may_not_reopen_either(self):
        unmatched_read_resolve(
            race=self.race, read_pk=self.unknown.pk, actor=Actor.of_user(self.olivia), note=NOTE
        )
        self.as_user(self.alice)
        assert self.reopen().status_code == 403
        self.unknown.refresh_from_db()
        assert self.unknown.resolved and self.unknown.resolution_note == NOTE
        assert AuditEntry.objects.filter(action=AuditEntry.Action.UNMATCHED_REOPENED).count() == 0

    def test_someone_with_no_role_is_refused(self):
        self.as_user(self.bob)
        assert self.deal_with().status_code == 403
        self.assert_unchanged()

    def test_an_organiser_of_another_race_is_refused(self):
        self.as_user(self.oscar)
        assert self.deal_with().status_code == 403
        assert self.client.get(self.url("anomalies/dealt-with/")).status_code == 403
        self.assert_unchanged()

    def test_the_buttons_take_only_a_post(self):
        self.as_user(self.olivia)
        url = self.url(f"anomalies/unknown-bibs/{self.unknown.pk}/dealt-with/")
        assert self.client.get(url).status_code == 405
        self.assert_unchanged()

    def test_a_post_without_the_csrf_token_is_refused(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.olivia)
        response = client.post(
            self.url(f"anomalies/unknown-bibs/{self.unknown.pk}/dealt-with/"), {"note": NOTE}
        )
        assert response.status_code == 403
        self.assert_unchanged()


# --- bad input ------------------------------------------------------------------------------


class TestBadInput(UnknownBibTestCase):
    def refused(self, response, message: str) -> None:
        assert response.status_code == 302
        self.assertContains(self.client.get(response["Location"]), message)

    def test_an_unknown_id_is_named_and_nothing_changes(self):
        self.as_user(self.olivia)
        response = self.client.post(self.url("anomalies/unknown-bibs/999999/dealt-with/"), {"note": NOTE})
        self.refused(response, "There is no unknown-bib read 999999 in KL Ekiden; reload the anomaly list.")
        self.assert_unchanged()

    def test_an_id_too_large_for_the_database_is_unknown_too(self):
        self.as_user(self.olivia)
        response = self.client.post(self.url(f"anomalies/unknown-bibs/{10**30}/dealt-with/"))
        self.refused(response, "There is no unknown-bib read")
        assert self.client.post(self.url("anomalies/unknown-bibs/x/dealt-with/")).status_code == 404

    def test_a_read_of_another_race_is_unknown_in_this_one(self):
        self.as_user(self.olivia)
        self.refused(self.deal_with(self.penang_unknown), "There is no unknown-bib read")
        self.as_user(self.oscar)  # organises Penang, and tries the KL read through it
        self.refused(self.deal_with(slug="penang-ekiden"), "There is no unknown-bib read")
        self.assert_unchanged(self.penang_unknown)
        self.assert_unchanged()

    def test_a_note_too_long_is_refused_and_nothing_changes(self):
        self.as_user(self.olivia)
        response = self.deal_with(note="x" * (NOTE_MAX_LENGTH + 1))
        self.refused(response, f"note: longer than {NOTE_MAX_LENGTH} characters")
        self.assert_unchanged()

    def test_a_note_with_a_nul_character_is_refused_and_nothing_changes(self):
        self.as_user(self.olivia)
        self.refused(self.deal_with(note="bib\x00 777"), "note: it holds a NUL character")
        self.assert_unchanged()

    def test_a_note_of_the_longest_length_is_kept_whole(self):
        self.as_user(self.olivia)
        self.deal_with(note="x" * NOTE_MAX_LENGTH)
        self.unknown.refresh_from_db()
        assert self.unknown.resolution_note == "x" * NOTE_MAX_LENGTH

    def test_dealing_with_it_twice_changes_it_once(self):
        self.as_user(self.olivia)
        self.deal_with()
        self.as_user(self.dana)
        self.refused(
            self.deal_with(note="mine"), "Bib 777 at R1 was already dealt with by olivia; nothing changed."
        )
        self.unknown.refresh_from_db()
        assert self.unknown.resolved_by == self.olivia and self.unknown.resolution_note == NOTE
        assert AuditEntry.objects.filter(action=AuditEntry.Action.UNMATCHED_RESOLVED).count() == 1

    def test_reopening_one_not_dealt_with_changes_nothing(self):
        self.as_user(self.olivia)
        self.refused(self.reopen(), "Bib 777 at R1 is not dealt with; nothing changed.")
        self.assert_unchanged()


# --- the note stays with the officials --------------------------------------------------------


class TestTheNoteStaysWithTheOfficials(UnknownBibTestCase):
    PRIVATE = "runner 1023 borrowed a friend's bib"

    def setUp(self):
        cache.clear()

    def test_the_note_is_on_no_public_page_api_or_export(self):
        unmatched_read_resolve(
            race=self.race, read_pk=self.unknown.pk, actor=Actor.of_user(self.olivia), note=self.PRIVATE
        )
        unmatched_read_reopen(
            race=self.race, read_pk=self.unknown.pk, actor=Actor.of_user(self.olivia), note=self.PRIVATE
        )
        unmatched_read_resolve(
            race=self.race, read_pk=self.unknown.pk, actor=Actor.of_user(self.olivia), note=self.PRIVATE
        )
        self.client.logout()
        standings = reverse("results:standings", kwargs={"slug": "kl-ekiden"})
        texts = {
            "standings": self.client.get(standings).content.decode(),
            "search": self.client.get(standings, {"q": "777"}).content.decode(),
            "team page": self.client.get(reverse("results:team", args=["kl-ekiden", "101"])).content.decode(),
            "API": self.client.get(reverse("api-race-results", args=["kl-ekiden"])).content.decode(),
        }
        for fmt in ("json", "csv"):
            out = StringIO()
            call_command("export_results", "kl-ekiden", "--format", fmt, stdout=out)
            texts[f"{fmt} export"] = out.getvalue()
        assert "Harimau" in texts["team page"]  # the pages were read
        for where, text in texts.items():
            assert self.PRIVATE not in text, where
            assert "friend" not in text, where
