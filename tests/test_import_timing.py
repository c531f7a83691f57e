"""import_timing and the split services: reads in, corrections with an audit trail."""

import json
from datetime import UTC, datetime

import pytest

from races.audit import Actor
from races.models import AuditEntry, Race
from races.problems import InputProblems
from results.standings.selectors import standings_for_race
from results.timing.models import TimingRecord
from results.timing.services import timing_record_create, timing_record_restore, timing_record_void
from tests.commands import run, write
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.django_db

HEADER = "bib,station,time,source,read_id\n"


@pytest.fixture
def race():
    folder = EXAMPLES / "hand-worked"
    assert run("import_race", str(folder / "race.json")).ok
    assert run("import_entries", "hand", str(folder / "entries.csv")).ok
    return Race.objects.get(slug="hand")


def import_timing(tmp_path, content, name="timing.csv"):
    return run("import_timing", "hand", write(tmp_path, name, content))


def team_result(race, bib):
    return standings_for_race(race).team(bib)


class TestReadingTimingFiles:
    def test_every_time_format_and_bib_kind_is_understood(self, race, tmp_path):
        content = HEADER + (
            "101,R1,07:00:00.123,tablet,\n"
            "102-1,R1,2025-11-22T23:01:00Z,chip,c1\n"
            "103,R1,2025-11-23T07:02:00.5+08:00,,\n"
        )
        outcome = import_timing(tmp_path, content)
        assert outcome.ok and outcome.stdout.startswith("3 timing records added, 0 already stored")
        stored = {r.team.bib: r for r in TimingRecord.objects.select_related("team")}
        assert stored["101"].at == datetime(2025, 11, 22, 23, 0, 0, 123000, tzinfo=UTC)
        assert (stored["102"].at, stored["102"].source, stored["102"].read_id) == (
            datetime(2025, 11, 22, 23, 1, tzinfo=UTC),
            "chip",
            "c1",
        )
        assert (stored["103"].source, stored["103"].at.microsecond) == ("import", 500000)
        assert team_result(race, "101").stations[0].cumulative_ms == 30 * 60_000 + 123

    def test_the_same_file_twice_adds_nothing(self, race, tmp_path):
        content = HEADER + "101,R1,07:00:00,tablet,\n102,R1,07:01:00,chip,c1\n"
        assert import_timing(tmp_path, content).ok
        again = import_timing(tmp_path, content)
        assert again.stdout.startswith("0 timing records added, 2 already stored")
        assert TimingRecord.objects.count() == 2

    def test_a_second_race_stores_every_read_whose_id_the_first_race_has_too(self, race, tmp_path):
        # A read id names one read of its race: the timing company's readers number their reads
        # afresh for each race, and a club's two races on one weekend share the chips.
        folder = EXAMPLES / "hand-worked"
        twin = json.loads((folder / "race.json").read_text(encoding="utf-8")) | {"slug": "twin"}
        assert run("import_race", write(tmp_path, "twin.json", json.dumps(twin))).ok
        assert run("import_entries", "twin", str(folder / "entries.csv")).ok
        content = HEADER + "101,R1,07:00:00,chip,c1\n102,R1,07:01:00,chip,c2\n"
        assert import_timing(tmp_path, content).ok
        outcome = run("import_timing", "twin", write(tmp_path, "twin.csv", content))
        assert outcome.ok, outcome.stderr
        assert outcome.stdout.startswith("2 timing records added, 0 already stored")
        twin_reads = TimingRecord.objects.filter(race__slug="twin")
        assert sorted(twin_reads.values_list("read_id", flat=True)) == ["c1", "c2"]

    def test_a_re_sent_read_id_inside_one_file_is_stored_once(self, race, tmp_path):
        content = HEADER + "102,R1,07:01:00,chip,c1\n102-1,R1,07:01:00,chip,c1\n"
        assert import_timing(tmp_path, content).stdout.startswith("1 timing records added, 1 already stored")

    def test_a_read_exactly_at_the_gun_is_not_before_the_start(self, race, tmp_path):
        # A start-line mat reads the first runners at the gun itself.
        content = HEADER + "101,START,06:30:00.000,chip,\n102,R1,2025-11-22T22:30:00Z,chip,\n"
        outcome = import_timing(tmp_path, content)
        assert outcome.ok, outcome.stderr
        assert outcome.stdout.startswith("2 timing records added")
        record, created = timing_record_create(
            race=race, bib="103", station="START", time=datetime(2025, 11, 22, 22, 30, tzinfo=UTC)
        )
        assert created and record.at == race.gun
        assert team_result(race, "102").stations[0].cumulative_ms == 0

    def test_a_later_duplicate_read_changes_no_standing(self, race, tmp_path):
        assert import_timing(tmp_path, HEADER + "101,R1,07:00:00,chip,\n").ok
        before = team_result(race, "101")
        assert import_timing(tmp_path, HEADER + "101,R1,07:00:04,tablet,\n", "late.csv").ok
        assert TimingRecord.objects.count() == 2
        assert team_result(race, "101") == before


class TestBadTimingFiles:
    def assert_refused(self, tmp_path, content, *expected):
        before = TimingRecord.objects.count()
        outcome = import_timing(tmp_path, content)
        assert not outcome.ok
        for message in expected:
            assert message in outcome.problems, outcome.problems
        assert TimingRecord.objects.count() == before
        return outcome

    def test_unknown_bib_station_and_malformed_times(self, race, tmp_path):
        content = HEADER + (
            "101,R1,07:00:00,tablet,\n"
            "999,R1,07:00:00,tablet,\n"
            "101,R9,07:00:00,tablet,\n"
            "101,R2,7h20,tablet,\n"
            "101,R2,25:00:00,tablet,\n"
            "101,R2,2025-11-23T07:20:00,tablet,\n"
            "101,R2,07:20:00,phone,\n"
            "101,R2\n"
        )
        self.assert_refused(
            tmp_path,
            content,
            "line 3, bib: '999' is not a team bib, runner bib or chip id of this race.",
            "line 4, station: 'R9' is not a station of this race; use one of START, R1, R2, FINISH.",
            "line 5, time: '7h20' is not a time; write HH:MM:SS[.fff] or an ISO 8601 timestamp with an offset.",
            "line 6, time: '25:00:00' is not a time of day (HH:MM:SS, hours 0-23).",
            "line 7, time: '2025-11-23T07:20:00' has no offset; add one (e.g. +08:00 or Z) or write the local time of day HH:MM:SS.",
            "line 8, source: 'phone' is not a source; use one of tablet, chip, import, api, manual, or leave it empty.",
            "line 9: 2 fields where the header has 5; check for a stray comma or quote.",
        )

    def test_a_time_before_the_gun(self, race, tmp_path):
        self.assert_refused(
            tmp_path,
            HEADER + "101,R1,06:29:59.999,tablet,\n",
            "line 2, time: 06:29:59.999 is before the start gun at 06:30:00.000.",
        )
        with pytest.raises(InputProblems):
            timing_record_create(
                race=race,
                bib="101",
                station="START",
                time=datetime(2025, 11, 22, 22, 29, 59, 999000, tzinfo=UTC),
            )

    def test_one_read_id_for_two_reads_in_a_file(self, race, tmp_path):
        self.assert_refused(
            tmp_path,
            HEADER + "101,R1,07:00:00,chip,x7\n102,R1,07:01:00,chip,x7\n",
            "line 3, read_id: x7 is used on line 2 for another read; each read needs its own id.",
        )

    def test_a_stored_read_id_with_other_content(self, race, tmp_path):
        assert import_timing(tmp_path, HEADER + "101,R1,07:00:00,chip,x7\n").ok
        self.assert_refused(
            tmp_path,
            HEADER + "102,R2,07:30:00,chip,new\n101,R1,07:00:01,chip,x7\n",
            "line 3, read_id: read id x7 is already stored for team 101 at R1 07:00:00.000 (chip); "
            "a re-sent read must carry the same content, a new read a new id.",
        )

    def test_a_stored_read_id_reused_at_another_station(self, race, tmp_path):
        assert import_timing(tmp_path, HEADER + "101,R1,07:00:00,chip,x7\n").ok
        self.assert_refused(
            tmp_path,
            HEADER + "101,R2,07:20:00,chip,x7\n",
            "line 2, read_id: read id x7 is already stored for team 101 at R1 07:00:00.000 (chip); "
            "a re-sent read must carry the same content, a new read a new id.",
        )

    def test_non_utf8_bytes(self, race, tmp_path):
        self.assert_refused(tmp_path, (HEADER + "101,R1,07:00:00,t\xe9blet,\n").encode("latin-1"))

    def test_a_reader_export_with_no_reads_yet_adds_nothing(self, race, tmp_path):
        outcome = import_timing(tmp_path, HEADER)
        assert outcome.ok and outcome.stdout.startswith("0 timing records added, 0 already stored")

    def test_nul_bytes_unclosed_quotes_and_dates_decades_away(self, race, tmp_path):
        content = HEADER + (
            "101,R1,07:00:00,tablet,a\x00b\n"
            "101,R1,2052-11-23T07:00:00+08:00,tablet,\n"
            "101,R1,9999-12-31T23:59:59-14:00,tablet,\n"
            '101,R1,"07:00:01\n'
        )
        self.assert_refused(
            tmp_path,
            content,
            "line 2: contains a NUL character; save the file again as CSV.",
            "line 3, time: 2052-11-23 07:00:00.000 is more than a week after the start gun on "
            "2025-11-23 06:30:00.000; check the date.",
            "line 4, time: '9999-12-31T23:59:59-14:00' is not a time; write HH:MM:SS[.fff] or an ISO 8601 "
            "timestamp with an offset.",
            "line 5: unexpected end of data.",
        )


class TestCorrections:
    @pytest.fixture
    def official(self, django_user_model):
        return django_user_model.objects.create_user("alice", password="x")

    def test_a_hand_entered_split_is_audited_and_idempotent(self, race, official):
        record, created = timing_record_create(
            race=race, bib="101", station="R1", time="07:00:00", actor=Actor.of_user(official)
        )
        again, created_again = timing_record_create(
            race=race, bib="101", station="R1", time="07:00:00", actor=Actor.of_user(official)
        )
        assert (created, created_again, again.pk) == (True, False, record.pk)
        entry = AuditEntry.objects.get(action=AuditEntry.Action.TIMING_ADDED)
        assert (entry.actor, entry.team.bib) == ("alice", "101")

    def test_a_device_id_re_used_with_other_content_is_refused(self, race):
        timing_record_create(race=race, bib="101", station="R1", time="07:00:00", source="api", read_id="u-1")
        with pytest.raises(InputProblems) as refused:
            timing_record_create(
                race=race, bib="101", station="R1", time="07:00:09", source="api", read_id="u-1"
            )
        assert "read id u-1 is already stored for team 101 at R1 07:00:00.000 (api)" in str(
            refused.value.problems[0]
        )

    def test_a_voided_split_is_as_if_absent_until_restored(self, race, official):
        early, _ = timing_record_create(race=race, bib="101", station="R1", time="06:45:00", source="chip")
        timing_record_create(race=race, bib="101", station="R1", time="07:00:00", source="tablet")
        assert team_result(race, "101").stations[0].cumulative_ms == 15 * 60_000
        timing_record_void(
            record=early, reason="chip read by a spectator at the roadside", actor=Actor.of_user(official)
        )
        assert team_result(race, "101").stations[0].cumulative_ms == 30 * 60_000
        timing_record_restore(record=early, reason="video shows the runner", actor=Actor.of_user(official))
        assert team_result(race, "101").stations[0].cumulative_ms == 15 * 60_000
        trail = list(AuditEntry.objects.filter(team__bib="101").values_list("action", "reason", "actor"))
        assert trail[:2] == [
            ("timing_restored", "video shows the runner", "alice"),
            ("timing_voided", "chip read by a spectator at the roadside", "alice"),
        ]

    def test_a_void_needs_a_reason(self, race):
        record, _ = timing_record_create(race=race, bib="101", station="R1", time="07:00:00")
        with pytest.raises(InputProblems):
            timing_record_void(record=record, reason="  ")
        assert not TimingRecord.objects.get(pk=record.pk).voided


class TestStatusAndClosing:
    def test_status_and_close_are_audited_and_move_the_standings(self, race, tmp_path):
        assert import_timing(tmp_path, HEADER + "101,R1,07:00:00,tablet,\n").ok
        assert team_result(race, "101").status == "RUN"
        assert run("close_race", "hand").ok
        assert team_result(race, "101").status == "DNF"
        assert not run("close_race", "hand", "--reopen").ok  # a reopen needs its reason
        assert run("close_race", "hand", "--reopen", "--reason", "a split was missed").ok
        assert run("set_team_status", "hand", "101", "DQ", "--reason", "tasuki thrown").ok
        assert team_result(race, "101").status == "DQ"
        assert run("set_team_status", "hand", "101", "AUTO").ok
        assert team_result(race, "101").status == "RUN"
        actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
        assert actions[-4:] == ["race_closed", "race_reopened", "team_status", "team_status"]

    def test_bad_status_or_bib(self, race):
        outcome = run("set_team_status", "hand", "101", "OUT")
        assert "status: 'OUT' is not a status; use DQ, DNS, DNF or AUTO." in outcome.problems
        outcome = run("set_team_status", "hand", "999", "DQ")
        assert "team 999: no such team in hand." in outcome.problems
        outcome = run("close_race", "nope")
        assert outcome.problems[0] == "race 'nope' does not exist; known races: hand."
