"""Results states (issue 22): a closed race is provisional for its protest window, then official.

Olivia organises the KL Ekiden, Rita works its results desk, Alice keeps station R1, Oscar
organises the Penang Ekiden, Bob only reads results. The gun went at 06:30 in Kuala Lumpur; the
race is closed at 10:12 (02:12 UTC), so protests are taken until 10:42.
"""

import json
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.test import TestCase, override_settings
from django.utils import translation

from races.audit import Actor
from races.models import AuditEntry, OfficialRole, Protest, Race, RaceOfficial, ResultsState, Station
from races.problems import InputProblems
from races.services import (
    PROTEST_WINDOW,
    entries_import,
    gun_set,
    protest_decide,
    protest_lodge,
    race_import,
    race_make_official,
    results_state_now,
    runner_change,
)
from races.tasks import race_official_at_window_end
from results.publishing.models import PrintJob
from results.standings.closing import race_close_counting_dnf
from results.timing.device_tokens import device_token_create, stations_by_code
from results.timing.models import TimingRecord, UnmatchedRead
from results.timing.services import timing_record_create, timing_record_void
from tests.commands import run, write
from tests.race_payloads import KL_EKIDEN, PENANG

ENTRIES = "team_bib,team_name,category,leg,runner_name,gender,birth_date\n" + "".join(
    f"{bib},Team {bib},MX,{leg},Runner {bib}.{leg},{'F' if leg == 1 else 'M'},1980-01-01\n"
    for bib in (101, 102, 103)
    for leg in (1, 2, 3)
)
URL = "/api/v1/races/kl-ekiden/timings"
CLOSING = datetime(2025, 11, 23, 2, 12, tzinfo=UTC)  # 10:12 in Kuala Lumpur
WINDOW_END = CLOSING + timedelta(minutes=30)
CLOSED_SAYS = "the race is closed: ask the results desk."
PROTEST_TEXT = "Team 101 handed over outside the zone at R2"
DECISION_TEXT = "Marshal at R2 confirms it; upheld"


def at(moment: datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def a_read(**changes) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "bib": "102",
        "station": "FINISH",
        "time": "2025-11-23T08:01:02.345+08:00",
        "source": "tablet",
        **changes,
    }


def actions(race: Race) -> list[str]:
    return list(race.audit_entries.order_by("pk").values_list("action", flat=True))


class ResultsStatesTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.race, _ = race_import(payload=KL_EKIDEN)
        entries_import(race=cls.race, raw=ENTRIES.encode(), filename="entries.csv")
        cls.penang, _ = race_import(payload=PENANG)
        cls.olivia, cls.rita, cls.alice = (users.create_user(n) for n in ("olivia", "rita", "alice"))
        cls.oscar, cls.bob = users.create_user("oscar"), users.create_user("bob")
        RaceOfficial.objects.create(race=cls.race, user=cls.olivia, role=OfficialRole.ORGANISER)
        RaceOfficial.objects.create(race=cls.race, user=cls.rita, role=OfficialRole.RESULTS_DESK)
        duty = RaceOfficial.objects.create(race=cls.race, user=cls.alice, role=OfficialRole.STATION)
        duty.stations.add(Station.objects.get(race=cls.race, code="R1"))
        RaceOfficial.objects.create(race=cls.penang, user=cls.oscar, role=OfficialRole.ORGANISER)
        cls.tablet, cls.token = device_token_create(
            race=cls.race, name="FINISH tablet", stations=stations_by_code(cls.race, ["FINISH", "R1"])
        )
        for bib, station, time in (
            ("101", "R1", "07:00:00"),
            ("101", "R2", "07:30:00"),
            ("102", "R1", "07:05:00"),
        ):
            timing_record_create(race=cls.race, bib=bib, station=station, time=time, source="tablet")
        timing_record_create(race=cls.race, bib="101", station="FINISH", time="08:00:00", source="tablet")

    def close(self, when: datetime = CLOSING) -> None:
        with at(when):
            race_close_counting_dnf(race=self.race, actor=Actor("olivia"))
        self.race.refresh_from_db()

    def post_read(self, read: dict, **headers):
        return self.client.post(URL, json.dumps(read), content_type="application/json", headers=headers)

    def as_token(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


class DuringTheWindow(ResultsStatesTestCase):
    """The clock a minute after the close: the results are provisional, the window still on."""

    def setUp(self):
        self.enterContext(at(CLOSING + timedelta(minutes=1)))


class TestClosingMakesTheResultsProvisional(ResultsStatesTestCase):
    def test_closed_results_are_provisional_until_the_window_ends_and_audited_with_its_end(self):
        self.close()
        self.assertEqual(self.race.results_state(CLOSING), ResultsState.PROVISIONAL)
        self.assertEqual(self.race.closed_at, CLOSING)
        entry = self.race.audit_entries.get(action=AuditEntry.Action.RACE_CLOSED)
        self.assertEqual(entry.details, {"dnf": 1, "protests_until": "2025-11-23T02:42:00+00:00"})
        with at(WINDOW_END - timedelta(seconds=1)):
            self.assertEqual(results_state_now(self.race), ResultsState.PROVISIONAL)
        self.assertNotIn("race_official", actions(self.race))

    def test_the_command_says_until_when_protests_are_taken(self):
        with at(CLOSING):
            outcome = run("close_race", "kl-ekiden")
        self.assertEqual(
            outcome.stdout,
            "race kl-ekiden is closed: its results are provisional, protests until 10:42. "
            "1 team still out became DNF.\n",
        )


class TestOfficialAfterTheWindow(ResultsStatesTestCase):
    def test_the_first_read_after_the_window_makes_it_official_once(self):
        self.close()
        with at(WINDOW_END + timedelta(minutes=5)):
            self.assertEqual(results_state_now(self.race), ResultsState.OFFICIAL)
            self.assertEqual(results_state_now(self.race), ResultsState.OFFICIAL)
        entries = self.race.audit_entries.filter(action=AuditEntry.Action.RACE_OFFICIAL)
        self.assertEqual(entries.count(), 1)
        self.assertEqual(entries[0].actor, PROTEST_WINDOW)
        self.assertEqual(entries[0].details["window_ended"], True)
        # Official from the window's end, not from when someone happened to look.
        self.assertEqual(Race.objects.get(pk=self.race.pk).official_at, WINDOW_END)

    def test_a_public_page_read_after_the_window_says_official(self):
        self.close()
        with at(WINDOW_END + timedelta(minutes=1)):
            body = self.client.get("/races/kl-ekiden/").content.decode()
        self.assertIn("Official results", body)
        self.assertIsNotNone(Race.objects.get(pk=self.race.pk).official_at)

    def test_the_task_at_the_eta_makes_it_official_in_production_mode(self):
        self.close()
        with at(WINDOW_END - timedelta(minutes=1)):
            self.assertFalse(race_official_at_window_end(self.race.pk))
        with at(WINDOW_END):
            self.assertTrue(race_official_at_window_end(self.race.pk))
            self.assertFalse(race_official_at_window_end(self.race.pk))  # once only
        self.assertEqual(Race.objects.get(pk=self.race.pk).official_at, WINDOW_END)

    @override_settings(CELERY_TASK_ALWAYS_EAGER=False)
    def test_closing_schedules_the_task_for_the_windows_end_in_production_mode(self):
        with (
            mock.patch.object(race_official_at_window_end, "apply_async") as scheduled,
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.close()
        scheduled.assert_called_once_with(args=(self.race.pk,), eta=WINDOW_END)

    @override_settings(CELERY_TASK_ALWAYS_EAGER=True)
    def test_closing_schedules_nothing_in_embedded_mode(self):
        # Eager Celery runs an eta task at once: the read after the window does it instead.
        with (
            mock.patch.object(race_official_at_window_end, "apply_async") as scheduled,
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.close()
        scheduled.assert_not_called()


class TestProtests(DuringTheWindow):
    def lodge(self) -> Protest:
        return protest_lodge(
            race=self.race, bib="101", lodged_by="captain of 102", about=PROTEST_TEXT, actor=Actor("olivia")
        )

    def test_a_pending_protest_keeps_it_provisional_and_refuses_official(self):
        self.close()
        self.lodge()
        with at(WINDOW_END + timedelta(hours=1)):
            self.assertEqual(results_state_now(self.race), ResultsState.PROVISIONAL)
            self.assertFalse(race_official_at_window_end(self.race.pk))
            outcome = run("close_race", "kl-ekiden", "--official")
        self.assertFalse(outcome.ok)
        self.assertIn("1 protest is pending: decide it on the protests page first.", outcome.problems)
        self.assertIsNone(Race.objects.get(pk=self.race.pk).official_at)

    def test_deciding_the_last_protest_after_the_window_makes_it_official_then(self):
        self.close()
        protest = self.lodge()
        decided = WINDOW_END + timedelta(minutes=20)
        with at(decided):
            protest_decide(
                race=self.race,
                protest_id=protest.pk,
                outcome="upheld",
                decision=DECISION_TEXT,
                status="DQ",
                public_note="handover outside the zone",
                actor=Actor("olivia", self.olivia),
            )
        race = Race.objects.get(pk=self.race.pk)
        self.assertEqual(race.official_at, decided)
        self.assertEqual(race.teams.get(bib="101").official_status, "DQ")
        self.assertEqual(
            actions(race)[-5:],
            ["race_closed", "protest_lodged", "team_status", "protest_decided", "race_official"],
        )

    def test_deciding_within_the_window_leaves_it_provisional(self):
        self.close()
        protest = self.lodge()
        with at(CLOSING + timedelta(minutes=5)):
            protest_decide(
                race=self.race,
                protest_id=protest.pk,
                outcome="rejected",
                decision="no witness",
                actor=Actor("olivia"),
            )
        self.assertIsNone(Race.objects.get(pk=self.race.pk).official_at)

    def test_deciding_it_again_says_how_it_was_decided_in_the_officials_language(self):
        self.close()
        protest = self.lodge()
        decide = {
            "race": self.race,
            "protest_id": protest.pk,
            "decision": "no witness",
            "actor": Actor("olivia"),
        }
        protest_decide(outcome="rejected", **decide)
        with translation.override("ja"), self.assertRaises(InputProblems) as refusal:
            protest_decide(outcome="upheld", **decide)
        self.assertEqual(
            [str(problem) for problem in refusal.exception.problems],
            [f"抗議 {protest.pk} はすでに裁定済みです（却下）。"],
        )


class TestReopen(ResultsStatesTestCase):
    def test_reopening_needs_a_reason_and_is_audited_with_it(self):
        self.close()
        refused = run("close_race", "kl-ekiden", "--reopen")
        self.assertFalse(refused.ok)
        self.assertIn("reason: say why the race is reopened (--reason)", refused.stderr)
        self.assertTrue(Race.objects.get(pk=self.race.pk).is_closed)
        self.assertTrue(run("close_race", "kl-ekiden", "--official").ok)
        reopened = run("close_race", "kl-ekiden", "--reopen", "--reason", "R2 mat missed team 103")
        self.assertTrue(reopened.ok, reopened.stderr)
        race = Race.objects.get(pk=self.race.pk)
        self.assertEqual((race.is_closed, race.closed_at, race.official_at), (False, None, None))
        entry = race.audit_entries.filter(action=AuditEntry.Action.RACE_REOPENED).get()
        self.assertEqual((entry.reason, entry.details), ("R2 mat missed team 103", {"was": "official"}))
        self.assertEqual(actions(race)[-3:], ["race_closed", "race_official", "race_reopened"])


class TestReadsRefusedOnceClosed(DuringTheWindow):
    def test_a_device_read_is_refused_with_409_and_nothing_stored(self):
        self.close()
        before = TimingRecord.objects.count()
        response = self.post_read(a_read(), **self.as_token())
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["errors"][0]["message"], CLOSED_SAYS)
        self.assertEqual(TimingRecord.objects.count(), before)

    def test_an_unknown_bib_on_a_closed_race_is_not_kept_either(self):
        self.close()
        response = self.post_read(a_read(bib="999"), **self.as_token())
        self.assertEqual(response.status_code, 409)
        self.assertFalse(UnmatchedRead.objects.exists())

    def test_an_open_race_still_takes_the_read(self):
        self.assertEqual(self.post_read(a_read(), **self.as_token()).status_code, 201)

    def test_the_keypads_post_is_refused_with_409(self):
        self.close()
        self.client.force_login(self.alice)
        response = self.post_read(a_read(station="R1", bib="103", time="2025-11-23T07:20:00+08:00"))
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["errors"][0]["message"], CLOSED_SAYS)
        self.assertFalse(TimingRecord.objects.filter(team__bib="103").exists())

    def test_the_keypads_void_is_refused_with_409(self):
        record = TimingRecord.objects.get(team__bib="102", station__code="R1")
        record.read_id = "keypad-1"
        record.save()
        self.close()
        self.client.force_login(self.alice)
        response = self.client.post(
            "/officials/kl-ekiden/stations/R1/void",
            json.dumps({"read_id": "keypad-1", "reason": "wrong bib"}),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 409)
        self.assertFalse(TimingRecord.objects.get(pk=record.pk).voided)

    def test_import_timing_is_refused_and_stores_nothing(self):
        self.close()
        path = write(self._tmp(), "late.csv", "bib,station,time\n102,FINISH,08:10:00\n")
        outcome = run("import_timing", "kl-ekiden", path)
        self.assertFalse(outcome.ok)
        self.assertEqual(outcome.problems[0], CLOSED_SAYS)
        self.assertFalse(TimingRecord.objects.filter(team__bib="102", station__code="FINISH").exists())

    def _tmp(self):
        import tempfile
        from pathlib import Path

        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        return Path(folder.name)


class TestOfficialRefusesEveryChange(DuringTheWindow):
    def setUp(self):
        super().setUp()
        self.close()
        race_make_official(race=self.race, actor=Actor("olivia"))
        self.race.refresh_from_db()

    def test_the_desks_corrections_statuses_runners_and_gun_are_refused(self):
        record = TimingRecord.objects.get(team__bib="102", station__code="R1")
        for change in (
            lambda: timing_record_void(record=record, reason="wrong bib", actor=Actor("rita")),
            lambda: timing_record_create(
                race=self.race, bib="103", station="R1", time="07:20:00", source="manual", reason="sheet"
            ),
            lambda: run("set_team_status", "kl-ekiden", "103", "DQ", "--reason", "late protest"),
            lambda: runner_change(
                race=self.race,
                bib="103",
                leg=2,
                name="Sub",
                gender="M",
                birth_date="1980-01-01",
                reason="injury",
                actor=Actor("olivia"),
            ),
            lambda: gun_set(
                race=self.race, at=self.race.gun + timedelta(seconds=5), reason="x", actor=Actor("o")
            ),
        ):
            with self.subTest(change=change):
                try:
                    outcome = change()
                except InputProblems as refusal:  # each says what to do: reopen the race
                    self.assertIn("reopen", str(refusal).lower())
                else:
                    self.assertFalse(outcome.ok)
                    self.assertIn("the results are official", outcome.problems[0])
        self.assertFalse(TimingRecord.objects.get(pk=record.pk).voided)
        self.assertEqual(self.race.teams.get(bib="103").official_status, "")

    def test_a_device_read_is_refused_with_409(self):
        response = self.post_read(a_read(), **self.as_token())
        self.assertEqual(response.status_code, 409)


class TestTheDesksCorrectionsWhileProvisional(DuringTheWindow):
    def test_a_void_needs_a_reason_is_audited_and_asks_for_the_book_again(self):
        PrintJob.objects.create(
            race=self.race, kind=PrintJob.Kind.BOOK, task_id="made-at-closing", state=PrintJob.State.DONE
        )
        self.close()
        record = TimingRecord.objects.get(team__bib="102", station__code="R1")
        self.client.force_login(self.rita)
        url = f"/officials/kl-ekiden/teams/102/splits/{record.pk}/void/"
        self.assertEqual(self.client.post(url, {"reason": ""}).status_code, 200)  # the form asks for it
        self.assertFalse(TimingRecord.objects.get(pk=record.pk).voided)
        with (
            mock.patch("results.publishing.print_jobs._enqueue"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.client.post(url, {"reason": "chip read by a spectator"})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(TimingRecord.objects.get(pk=record.pk).voided)
        entry = self.race.audit_entries.filter(action=AuditEntry.Action.TIMING_VOIDED).get()
        self.assertEqual(entry.reason, "chip read by a spectator")
        self.assertEqual(self.race.print_jobs.filter(kind=PrintJob.Kind.BOOK).count(), 2)

    def test_a_station_official_is_sent_to_the_results_desk(self):
        self.close()
        record = TimingRecord.objects.get(team__bib="102", station__code="R1")
        self.client.force_login(self.alice)
        response = self.client.post(
            f"/officials/kl-ekiden/teams/102/splits/{record.pk}/void/", {"reason": "x"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertIn(CLOSED_SAYS[0].upper() + CLOSED_SAYS[1:], response.content.decode())
        self.assertFalse(TimingRecord.objects.get(pk=record.pk).voided)

    def test_a_status_without_a_reason_is_refused(self):
        self.close()
        outcome = run("set_team_status", "kl-ekiden", "103", "DQ")
        self.assertFalse(outcome.ok)
        self.assertIn("say why this correction is made", outcome.problems[0])

    def test_a_chip_file_upload_asks_for_a_reason_and_is_audited_with_it(self):
        self.close()
        self.client.force_login(self.rita)
        late = b"bib,station,time\n102,FINISH,08:10:00\n"
        from django.core.files.uploadedfile import SimpleUploadedFile

        preview = self.client.post(
            "/officials/kl-ekiden/upload/", {"file": SimpleUploadedFile("late.csv", late)}
        )
        digest = preview.context["confirm_form"].initial["digest"]
        asked = self.client.post("/officials/kl-ekiden/upload/confirm/", {"digest": digest, "reason": ""})
        self.assertEqual(asked.status_code, 400)
        self.assertFalse(TimingRecord.objects.filter(team__bib="102", station__code="FINISH").exists())
        stored = self.client.post(
            "/officials/kl-ekiden/upload/confirm/", {"digest": digest, "reason": "the finish reader's file"}
        )
        self.assertEqual(stored.status_code, 302)
        self.assertTrue(TimingRecord.objects.filter(team__bib="102", station__code="FINISH").exists())
        entry = self.race.audit_entries.filter(action=AuditEntry.Action.TIMING_IMPORTED).get()
        self.assertEqual(entry.reason, "the finish reader's file")


class TestTheResultsPage(DuringTheWindow):
    URL = "/officials/kl-ekiden/results/"

    def test_who_may_read_it(self):
        self.close()
        for user, status in (
            (self.olivia, 200),
            (self.rita, 200),
            (self.alice, 403),
            (self.oscar, 403),
            (self.bob, 403),
        ):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.get(self.URL).status_code, status)
        self.client.logout()
        self.assertEqual(self.client.get(self.URL).status_code, 302)

    def test_only_the_organiser_makes_it_official(self):
        self.close()
        for user in (self.rita, self.alice, self.oscar):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.post(self.URL, {"form": "official"}).status_code, 403)
        self.assertIsNone(Race.objects.get(pk=self.race.pk).official_at)
        self.client.force_login(self.olivia)
        self.assertEqual(self.client.post(self.URL, {"form": "official"}).status_code, 302)
        self.assertIsNotNone(Race.objects.get(pk=self.race.pk).official_at)
        self.assertIn("Official", self.client.get(self.URL).content.decode())

    def test_make_official_is_refused_while_a_protest_is_pending(self):
        self.close()
        protest_lodge(
            race=self.race, bib="101", lodged_by="captain", about=PROTEST_TEXT, actor=Actor("olivia")
        )
        self.client.force_login(self.olivia)
        response = self.client.post(self.URL, {"form": "official"})
        self.assertEqual(response.status_code, 409)
        self.assertIn("1 protest is pending", response.content.decode())
        self.assertIsNone(Race.objects.get(pk=self.race.pk).official_at)

    def test_reopen_asks_for_a_reason(self):
        self.close()
        self.client.force_login(self.olivia)
        response = self.client.post(self.URL, {"form": "reopen", "reopen-reason": ""})
        self.assertEqual(response.status_code, 400)
        self.assertTrue(Race.objects.get(pk=self.race.pk).is_closed)
        self.client.post(self.URL, {"form": "reopen", "reopen-reason": "a split was missed at R2"})
        self.assertFalse(Race.objects.get(pk=self.race.pk).is_closed)
        self.client.force_login(self.rita)
        self.close()
        self.assertEqual(
            self.client.post(self.URL, {"form": "reopen", "reopen-reason": "desk wants it"}).status_code, 403
        )
        self.assertTrue(Race.objects.get(pk=self.race.pk).is_closed)


class TestTheProtestsPage(DuringTheWindow):
    URL = "/officials/kl-ekiden/protests/"

    def lodge(self):
        return self.client.post(
            self.URL,
            {
                "form": "lodge",
                "lodge-bib": "101",
                "lodge-lodged_by": "captain of 102",
                "lodge-about": PROTEST_TEXT,
            },
        )

    def decide(self, protest: Protest, **fields):
        """The decision form of one protest, posted with these fields."""
        prefix = f"decide-{protest.pk}"
        data = {"form": "decide", "protest": protest.pk, f"{prefix}-protest": protest.pk}
        return self.client.post(self.URL, {**data, **{f"{prefix}-{name}": v for name, v in fields.items()}})

    def test_the_organiser_lodges_and_decides_with_a_status(self):
        self.close()
        self.client.force_login(self.olivia)
        self.assertEqual(self.lodge().status_code, 302)
        protest = Protest.objects.get()
        self.assertEqual((protest.team.bib, protest.status), ("101", "pending"))
        response = self.decide(
            protest,
            outcome="upheld",
            decision=DECISION_TEXT,
            status="DQ",
            public_note="handover outside the zone",
        )
        self.assertEqual(response.status_code, 302)
        protest.refresh_from_db()
        self.assertEqual((protest.status, protest.decided_by), ("upheld", self.olivia))
        self.assertEqual(self.race.teams.get(bib="101").official_status, "DQ")

    def test_a_decision_without_words_is_refused(self):
        self.client.force_login(self.olivia)
        self.lodge()
        response = self.decide(Protest.objects.get(), outcome="upheld")
        self.assertEqual(response.status_code, 400)
        self.assertIn("Write the decision", response.content.decode())
        self.assertTrue(Protest.objects.get().pending)

    def test_the_desk_reads_but_does_not_lodge_or_decide(self):
        self.client.force_login(self.rita)
        self.assertEqual(self.client.get(self.URL).status_code, 200)
        self.assertEqual(self.lodge().status_code, 403)
        self.assertFalse(Protest.objects.exists())

    def test_station_officials_other_organisers_and_strangers_are_refused(self):
        for user in (self.alice, self.oscar, self.bob):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.get(self.URL).status_code, 403)
                self.assertEqual(self.lodge().status_code, 403)
        self.assertFalse(Protest.objects.exists())


class TestProtestTextsStayWithTheOfficials(DuringTheWindow):
    def test_no_public_page_export_or_api_answer_holds_them(self):
        self.close()
        protest = protest_lodge(
            race=self.race, bib="101", lodged_by="captain of 102", about=PROTEST_TEXT, actor=Actor("olivia")
        )
        protest_decide(
            race=self.race, protest_id=protest.pk, outcome="upheld", decision=DECISION_TEXT, status="DQ",
            public_note="handover outside the zone", actor=Actor("olivia"),
        )  # fmt: skip
        public = [
            self.client.get("/races/kl-ekiden/").content.decode(),
            self.client.get("/races/kl-ekiden/teams/101/").content.decode(),
            self.client.get("/races/kl-ekiden/", {"_export": "csv"}).content.decode(),
            self.client.get("/api/v1/races/kl-ekiden/results").content.decode(),
            run("export_results", "kl-ekiden").stdout,
            run("export_results", "kl-ekiden", "--format", "csv").stdout,
        ]
        self.assertIn("handover outside the zone", public[1])  # the public note is public
        for text in public:
            for secret in (PROTEST_TEXT, DECISION_TEXT, "captain of 102"):
                self.assertNotIn(secret, text)

    def test_the_export_carries_the_state(self):
        self.assertEqual(json.loads(run("export_results", "kl-ekiden").stdout)["state"], "live")
        self.close()
        document = self.client.get("/api/v1/races/kl-ekiden/results").json()
        self.assertEqual(list(document)[:3], ["race", "state", "stations"])
        self.assertEqual(document["state"], "provisional")
