"""The race clock: "Start the race now" and corrections of the gun, by the race's organisers.

The KL Ekiden's gun is 23 November 2025, 06:30 in Kuala Lumpur (UTC+8). Team 101's leg 1
ends at R1 at 07:00:00, so its leg 1 takes 30:00 from that gun; team 102 reaches R1 at 07:01:30.
"""

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

from django.test import TestCase
from django.utils import translation
from django.utils.translation import trans_real

from races.audit import Actor, GunSet, read_details
from races.models import AuditEntry, Race
from races.problems import InputProblems
from races.services import entries_import, gun_set, race_close, race_import, race_start_now
from results.standings.selectors import standings_for_race
from results.timing.services import timing_record_create, timing_record_void
from tests.cast import race_cast
from tests.race_payloads import KL_EKIDEN, KL_ENTRIES

KL = ZoneInfo("Asia/Kuala_Lumpur")
GUN = datetime(2025, 11, 23, 6, 30, tzinfo=KL)
OLIVIA = Actor("olivia")
URL = "/officials/kl-ekiden/gun/"


class RaceClockTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race, _ = race_import(payload=KL_EKIDEN)
        entries_import(race=cls.race, raw=KL_ENTRIES.encode(), filename="entries.csv", actor=Actor("setup"))

    def stored(self) -> Race:
        return Race.objects.get(pk=self.race.pk)

    def gun_entries(self):
        return AuditEntry.objects.filter(race=self.race, action=AuditEntry.Action.GUN_SET)

    def split(self, bib="101", station="R1", at="07:00:00"):
        record, _ = timing_record_create(race=self.race, bib=bib, station=station, time=at, source="chip")
        return record

    def leg_1_ms(self, bib="101") -> int | None:
        return standings_for_race(self.stored()).team(bib).leg(1).time_ms

    def unchanged(self, before: Race) -> None:
        after = self.stored()
        assert (after.date, after.start_time, after.standings_version) == (
            before.date,
            before.start_time,
            before.standings_version,
        )
        assert not self.gun_entries().exists()


class TestSettingTheGun(RaceClockTestCase):
    def test_a_correction_moves_every_time_and_is_audited_before_and_after(self):
        self.split()
        assert self.leg_1_ms() == 30 * 60_000
        version = self.stored().standings_version
        moved = gun_set(
            race=self.race,
            at=datetime(2025, 11, 23, 6, 31, 4, 200_000, tzinfo=KL),
            reason="start delayed by a blocked road",
            actor=OLIVIA,
        )
        assert moved.changed and moved.before == GUN
        race = self.stored()
        assert (race.date, race.start_time) == (date(2025, 11, 23), time(6, 31, 4, 200_000))
        assert race.standings_version == version + 1
        # The standings recompute from the new gun: leg 1 is 1:04.2 shorter.
        assert self.leg_1_ms() == 30 * 60_000 - 64_200
        entry = self.gun_entries().get()
        assert entry.actor == "olivia" and entry.reason == "start delayed by a blocked road"
        details = read_details(entry.action, entry.details)
        assert details == GunSet(before=GUN, after=datetime(2025, 11, 23, 6, 31, 4, 200_000, tzinfo=KL))
        assert entry.details["before"] == "2025-11-23T06:30:00+08:00"
        assert details.describe(lambda m: m.astimezone(KL).strftime("%H:%M:%S.%f")[:-3]) == (
            "gun corrected: 06:30:00.000 → 06:31:04.200"
        )

    def test_the_gun_is_kept_to_the_millisecond_and_the_race_date_moves_with_it(self):
        # A start postponed past midnight, given in UTC: stored as the race's local date and time.
        gun_set(race=self.race, at=datetime(2025, 11, 23, 16, 5, 6, 123_456, tzinfo=UTC), actor=OLIVIA)
        race = self.stored()
        assert (race.date, race.start_time) == (date(2025, 11, 24), time(0, 5, 6, 123_000))
        assert race.gun == datetime(2025, 11, 24, 0, 5, 6, 123_000, tzinfo=KL)
        details = read_details(AuditEntry.Action.GUN_SET, self.gun_entries().get().details)
        assert details.describe(lambda m: m.astimezone(KL).strftime("%H:%M")) == (
            "gun corrected: 2025-11-23 06:30 → 2025-11-24 00:05"
        )

    def test_the_same_gun_again_changes_nothing(self):
        before = self.stored()
        moved = gun_set(race=self.race, at=GUN, actor=OLIVIA)
        assert not moved.changed
        self.unchanged(before)

    def test_before_the_first_split_a_move_needs_no_reason(self):
        gun_set(race=self.race, at=GUN + timedelta(minutes=5), actor=OLIVIA)
        assert self.stored().gun == GUN + timedelta(minutes=5)
        assert self.gun_entries().get().reason == ""


class TestWhatIsRefused(RaceClockTestCase):
    def refused(self, **kwargs) -> list[str]:
        before = self.stored()
        try:
            gun_set(race=self.race, actor=OLIVIA, **kwargs)
        except InputProblems as refusal:
            self.unchanged(before)
            return [str(problem) for problem in refusal.problems]
        raise AssertionError("the gun moved")

    def test_a_gun_after_the_first_split_names_the_team_and_the_station(self):
        self.split("102", at="07:01:30")
        self.split("101", at="07:00:00")
        problems = self.refused(at=datetime(2025, 11, 23, 7, 0, 0, 1000, tzinfo=KL), reason="wrong gun")
        assert problems == [
            "time: team 101 has a split at R1 at 2025-11-23 07:00:00.000, before this gun: that split "
            "would come before the start. Choose a gun no later than the first split, or void that "
            "split on the team's page first."
        ]

    def test_a_correction_moves_the_gun_by_a_day_at_most(self):
        self.split()
        problems = self.refused(at=datetime(1900, 1, 1, 15, 13, tzinfo=KL), reason="ancient")
        assert problems == [
            "date: a correction moves the gun by a day at most, and from 23 November 2025, 06:30 "
            "(Asia/Kuala_Lumpur time) to 1 January 1900, 15:13 (Asia/Kuala_Lumpur time) is more: check "
            "the date. A race held on another day gets its new date in the race's settings, before any "
            "split is recorded."
        ]
        self.refused(at=GUN + timedelta(days=1, seconds=1), reason="a day late")
        self.refused(at=GUN - timedelta(days=1, seconds=1))
        gun_set(race=self.race, at=GUN - timedelta(days=1), reason="the day before, after all", actor=OLIVIA)
        assert self.stored().gun == GUN - timedelta(days=1)

    def test_a_voided_split_does_not_hold_the_gun_back(self):
        wrong = self.split("101", at="06:45:00")
        timing_record_void(record=wrong, reason="a spectator's chip", actor=OLIVIA)
        self.split("102", at="07:01:30")
        gun_set(race=self.race, at=GUN + timedelta(minutes=20), reason="late start", actor=OLIVIA)
        assert self.stored().gun == GUN + timedelta(minutes=20)

    def test_a_correction_after_the_start_with_splits_needs_a_reason(self):
        self.split()
        problems = self.refused(at=GUN + timedelta(minutes=1), reason="  ")
        assert problems == [
            "reason: the race started at 23 November 2025, 06:30 (Asia/Kuala_Lumpur time) and has "
            "splits: moving the gun changes every team's time, so say why, for the audit trail."
        ]

    def test_a_closed_race(self):
        race_close(race=self.race, actor=OLIVIA)
        problems = self.refused(at=GUN + timedelta(minutes=1), reason="late")
        assert problems[0].startswith("the race is closed: its results stand as they are.")

    def test_a_gun_moved_since_the_page_was_shown(self):
        gun_set(race=self.race, at=GUN + timedelta(minutes=2), actor=Actor("oscar"))
        self.gun_entries().delete()
        problems = self.refused(at=GUN + timedelta(minutes=3), gun_seen=GUN)
        assert problems[0].startswith("the gun was already moved to 23 November 2025, 06:32")

    def test_a_naive_moment_is_a_programming_error(self):
        try:
            gun_set(race=self.race, at=datetime(2025, 11, 23, 6, 31), actor=OLIVIA)
        except ValueError:
            return
        raise AssertionError("a naive gun was accepted")


class TestStartingTheRaceNow(RaceClockTestCase):
    def test_the_gun_is_the_servers_now_to_the_millisecond(self):
        now = datetime(2025, 11, 22, 22, 33, 7, 456_789, tzinfo=UTC)  # 06:33:07.456 in KL
        moved = race_start_now(race=self.race, actor=OLIVIA, gun_seen=GUN, now=now)
        assert moved.after == datetime(2025, 11, 23, 6, 33, 7, 456_000, tzinfo=KL)
        assert self.stored().start_time == time(6, 33, 7, 456_000)
        assert read_details(AuditEntry.Action.GUN_SET, self.gun_entries().get().details).started_now

    def test_a_second_press_of_the_same_page_does_not_move_the_gun_again(self):
        first = datetime(2025, 11, 22, 22, 33, 7, tzinfo=UTC)
        race_start_now(race=self.race, actor=OLIVIA, gun_seen=GUN, now=first)
        before = self.stored()
        try:
            race_start_now(race=self.race, actor=OLIVIA, gun_seen=GUN, now=first + timedelta(seconds=2))
        except InputProblems as refusal:
            assert "already moved" in str(refusal)
        else:
            raise AssertionError("the gun moved twice")
        after = self.stored()
        assert (after.start_time, after.standings_version) == (before.start_time, before.standings_version)
        assert self.gun_entries().count() == 1

    def test_once_the_race_has_splits_it_cannot_start_now(self):
        self.split()
        before = self.stored()
        try:
            race_start_now(race=self.race, actor=OLIVIA, gun_seen=GUN)
        except InputProblems as refusal:
            assert "use “Correct the gun” with a reason" in str(refusal)
        else:
            raise AssertionError("started again")
        self.unchanged(before)


# --- the organisers' page -------------------------------------------------------------------


class PageTestCase(RaceClockTestCase):
    """Olivia organises the KL Ekiden, Dana works its results desk, Alice keeps R1, Oscar
    organises another race."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cast = race_cast(cls.race)
        cls.olivia, cls.dana, cls.alice, cls.oscar = cast.olivia, cast.dana, cast.alice, cast.oscar

    def start_now(self, gun_seen=GUN, heard=True, **extra):
        data = {"form": "start", "start-gun_seen": gun_seen.isoformat(), **extra}
        if heard:
            data["start-heard"] = "on"
        return self.client.post(URL, data)

    def correct(self, when="2025-11-23", at="06:31:04.2", reason="start delayed", gun_seen=GUN):
        return self.client.post(
            URL,
            {
                "form": "correct",
                "correct-gun_seen": gun_seen.isoformat(),
                "correct-date": when,
                "correct-time": at,
                "correct-reason": reason,
            },
        )

    def text(self, response) -> str:
        return html.unescape(response.content.decode())


class TestWhoMayUseThePage(PageTestCase):
    def test_the_desk_a_station_official_and_another_races_organiser_are_refused(self):
        before = self.stored()
        for user in (self.dana, self.alice, self.oscar):
            self.client.force_login(user)
            assert self.client.get(URL).status_code == 403, user
            assert self.start_now().status_code == 403, user
            assert self.correct().status_code == 403, user
            assert URL not in self.client.get("/officials/").content.decode(), user
        self.client.logout()
        response = self.start_now()
        assert response.status_code == 302 and response["Location"].startswith("/officials/login/")
        self.unchanged(before)

    def test_the_organiser_finds_it_on_the_officials_home(self):
        self.client.force_login(self.olivia)
        assert URL in self.client.get("/officials/").content.decode()
        page = self.text(self.client.get(URL))
        assert "2025-11-23 06:30:00.000 (Asia/Kuala_Lumpur time)" in page
        assert "The race started" in page and "No split recorded yet." in page

    def test_the_keypads_server_clock_is_still_where_it_was(self):
        self.client.force_login(self.alice)
        response = self.client.get("/officials/kl-ekiden/clock")
        assert response.status_code == 200 and "now_ms" in response.json()


class TestStartNowOnThePage(PageTestCase):
    def test_without_the_tick_nothing_starts(self):
        self.client.force_login(self.olivia)
        before = self.stored()
        response = self.start_now(heard=False)
        assert response.status_code == 400
        assert list(response.context["start_form"].errors) == ["heard"]
        assert "Tick “I heard the gun” to confirm" in self.text(response)
        self.unchanged(before)

    def test_the_tick_starts_the_race_by_the_servers_clock(self):
        self.client.force_login(self.olivia)
        pressed = datetime.now(UTC)
        response = self.start_now(**{"start-now": "2020-01-01T00:00:00Z"})  # a phone's clock: ignored
        assert response.status_code == 302 and response["Location"] == URL
        gun = self.stored().gun
        assert pressed - timedelta(seconds=1) <= gun <= datetime.now(UTC)
        assert "The gun is now" in self.text(self.client.get(URL))
        assert self.gun_entries().get().user == self.olivia
        # The correction form holds that gun to the millisecond: sent back unchanged, it moves nothing.
        shown = self.client.get(URL).context["correct_form"].initial
        self.correct(when=shown["date"].isoformat(), at=shown["time"], gun_seen=gun)
        assert self.stored().gun == gun and self.gun_entries().count() == 1

    def test_a_double_submit_is_refused_visibly_and_moves_nothing(self):
        self.client.force_login(self.olivia)
        assert self.start_now().status_code == 302
        started = self.stored()
        again = self.start_now()  # the same form, posted a second time
        assert again.status_code == 400
        page = self.text(again)
        assert "Not changed: the gun was already moved to" in page  # the message at the top
        assert again.context["start_form"].non_field_errors()  # and in the form
        after = self.stored()
        assert (after.gun, after.standings_version) == (started.gun, started.standings_version)
        assert self.gun_entries().count() == 1

    def test_once_the_race_has_splits_the_page_points_to_the_correction(self):
        self.split()
        self.client.force_login(self.olivia)
        page = self.text(self.client.get(URL))
        assert 'class="start-now"' not in page
        assert "it cannot start now" in page and 'href="#correct"' in page
        assert "1 split recorded: team 101 at R1, 2025-11-23 07:00:00.000." in page
        before = self.stored()
        refused = self.start_now()
        assert refused.status_code == 400
        assert "use “Correct the gun” with a reason" in self.text(refused)
        self.unchanged(before)


class TestCorrectingOnThePage(PageTestCase):
    def test_a_correction_moves_the_gun_and_says_so(self):
        self.split()
        self.client.force_login(self.olivia)
        response = self.correct()
        assert response.status_code == 302
        assert self.stored().start_time == time(6, 31, 4, 200_000)
        assert "The gun is now 2025-11-23 06:31:04.200 (Asia/Kuala_Lumpur time)." in self.text(
            self.client.get(URL)
        )
        assert self.leg_1_ms() == 30 * 60_000 - 64_200
        trail = self.text(self.client.get("/officials/kl-ekiden/audit/"))
        assert "gun corrected: 06:30:00.000 → 06:31:04.200" in trail and "start delayed" in trail

    def test_bad_input_is_shown_beside_its_field_and_changes_nothing(self):
        self.split()
        self.client.force_login(self.olivia)
        before = self.stored()
        bad_time = self.correct(at="6.31")
        assert bad_time.status_code == 400
        assert list(bad_time.context["correct_form"].errors) == ["time"]
        assert "autofocus" in str(bad_time.context["correct_form"]["time"])
        no_reason = self.correct(reason="")
        assert list(no_reason.context["correct_form"].errors) == ["reason"]
        after_split = self.correct(at="07:00:01")
        assert after_split.status_code == 400
        form = after_split.context["correct_form"]
        assert list(form.errors) == ["time"] and "team 101 has a split at R1" in form.errors["time"][0]
        assert "Not changed: time: team 101 has a split at R1" in self.text(after_split)
        stale = self.client.post(URL, {"form": "correct", "correct-gun_seen": "yesterday"})
        assert stale.status_code == 400 and "This page is out of date" in self.text(stale)
        incomplete = self.client.post(URL, {"form": "other"}, follow=True)
        assert "the form was incomplete" in self.text(incomplete)
        self.unchanged(before)

    def test_a_closed_race_shows_no_form(self):
        race_close(race=self.race, actor=OLIVIA)
        self.client.force_login(self.olivia)
        page = self.text(self.client.get(URL))
        assert "The race is closed" in page and "correct-time" not in page and 'class="start-now"' not in page


# --- every string of the page is translatable ----------------------------------------------

MARKED = re.compile(r"«[^«»]*»")


class Marking:
    """A translation that marks every message it translates: «...»."""

    def __init__(self, wrapped):
        self.wrapped = wrapped

    def gettext(self, message):
        return f"«{self.wrapped.gettext(message)}»"

    def ngettext(self, singular, plural, number):
        return f"«{self.wrapped.ngettext(singular, plural, number)}»"

    def __getattr__(self, name):
        return getattr(self.wrapped, name)


class TestEveryStringIsTranslatable(PageTestCase):
    def visible_text_left(self, response) -> list[str]:
        body = response.content.decode()
        body = body[body.index('<div id="race-clock">') :]
        body = re.sub(r"<style>.*?</style>", "", body, flags=re.S)
        left = []
        for chunk in re.split(r"<[^>]+>", html.unescape(body)):
            while MARKED.search(chunk):
                chunk = MARKED.sub("", chunk)
            chunk = chunk.replace(self.race.name, "").strip(" \n·:")
            if chunk:
                left.append(chunk)
        return left

    def test_the_page_and_its_refusals_say_nothing_untranslated(self):
        self.split()
        self.client.force_login(self.olivia)
        # The locale middleware activates the reader's language on each request.
        translation_of = trans_real.translation
        marking = patch.object(trans_real, "translation", lambda language: Marking(translation_of(language)))
        with marking, translation.override("en"):
            page = self.client.get(URL)
            refused = self.correct(at="07:00:01", reason="")
        assert self.visible_text_left(page) == []
        assert self.visible_text_left(refused) == []
