"""close_race and the admin's close/reopen actions: the final word, said once, with its DNF count."""

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from races.models import AuditEntry, Race
from results.standings.selectors import standings_for_race
from tests.commands import run, write
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.django_db

# 101 finishes; 102 and 107 are out on the course, 106 has only its start read: three teams
# still out. 104 has no record (DNS); 103 was stopped by an official (DNF), 105 disqualified.
TIMING = """bib,station,time
101,R1,07:00:00
101,R2,07:20:00
101,FINISH,07:40:00
102,R1,07:06:00
103,R2,07:35:00
105,R1,06:59:00
106,START,06:30:00
107,R1,07:02:00
"""


@pytest.fixture
def race(tmp_path):
    folder = EXAMPLES / "hand-worked"
    assert run("import_race", str(folder / "race.json")).ok
    assert run("import_entries", "hand", str(folder / "entries.csv")).ok
    assert run("import_timing", "hand", write(tmp_path, "timing.csv", TIMING)).ok
    assert run("set_team_status", "hand", "103", "DNF", "--reason", "runner taken to the medical tent").ok
    assert run("set_team_status", "hand", "105", "DQ", "--reason", "cut the course").ok
    return Race.objects.get(slug="hand")


# 10:12 in Kuala Lumpur: the protest window (30 minutes) ends at 10:42.
CLOSING = datetime(2025, 11, 23, 2, 12, tzinfo=UTC)
UNTIL = "2025-11-23T02:42:00+00:00"


@pytest.fixture(autouse=True)
def clock():
    with mock.patch("django.utils.timezone.now", return_value=CLOSING):
        yield


def closed_words(dnf: str) -> str:
    return f"race hand is closed: its results are provisional, protests until 10:42. {dnf}\n"


def statuses(race) -> dict[str, str]:
    return {t.bib: t.status for t in standings_for_race(race).teams}


def audited(action: str) -> list[dict]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk").values_list("details", flat=True))


class TestCloseRace:
    def test_closing_says_how_many_teams_still_out_became_dnf(self, race):
        outcome = run("close_race", "hand")
        assert outcome.ok and outcome.stdout == closed_words("3 teams still out became DNF.")
        assert statuses(race) == {
            "101": "FIN",
            "102": "DNF",
            "107": "DNF",
            "106": "DNF",
            "103": "DNF",
            "104": "DNS",
            "105": "DQ",
        }
        assert audited("race_closed") == [{"dnf": 3, "protests_until": UNTIL}]

    def test_one_team_still_out_is_said_in_the_singular(self, race):
        run("set_team_status", "hand", "102", "DNF")
        run("set_team_status", "hand", "106", "DNS")
        assert run("close_race", "hand").stdout == closed_words("1 team still out became DNF.")

    def test_closing_a_closed_race_changes_nothing(self, race):
        assert run("close_race", "hand").ok
        version = Race.objects.get(pk=race.pk).standings_version
        again = run("close_race", "hand")
        assert again.ok and again.stdout == (
            "race hand is already closed (provisional, protests until 10:42); nothing changed.\n"
        )
        assert again.stderr == ""
        assert audited("race_closed") == [{"dnf": 3, "protests_until": UNTIL}]
        assert Race.objects.get(pk=race.pk).standings_version == version

    def test_reopening_an_open_race_changes_nothing(self, race):
        outcome = run("close_race", "hand", "--reopen", "--reason", "a protest upheld")
        assert outcome.ok and outcome.stdout == "race hand is already open; nothing changed.\n"
        assert not AuditEntry.objects.filter(action__in=["race_closed", "race_reopened"]).exists()

    def test_reopened_teams_run_again_and_a_second_close_counts_afresh(self, race, tmp_path):
        assert run("close_race", "hand").ok
        reopened = run("close_race", "hand", "--reopen", "--reason", "the finish mat missed a team")
        assert reopened.ok and reopened.stdout == "race hand is open.\n"
        assert statuses(race)["102"] == "RUN"
        finish = "bib,station,time\n102,FINISH,08:00:00\n"
        assert run("import_timing", "hand", write(tmp_path, "late.csv", finish)).ok
        assert run("close_race", "hand").stdout == closed_words("2 teams still out became DNF.")
        assert audited("race_closed") == [
            {"dnf": 3, "protests_until": UNTIL},
            {"dnf": 2, "protests_until": UNTIL},
        ]
        assert len(audited("race_reopened")) == 1


class TestAdminActions:
    @pytest.fixture
    def organiser(self, client, admin_user):
        client.force_login(admin_user)
        return client

    def act(self, client, race, action: str) -> list[str]:
        response = client.post(
            reverse("admin:races_race_changelist"),
            {"action": action, "_selected_action": [race.pk]},
            follow=True,
        )
        assert response.status_code == 200
        return [str(m) for m in get_messages(response.wsgi_request)]

    def test_close_and_reopen_say_what_they_did(self, organiser, race):
        assert self.act(organiser, race, "close_races") == [
            closed_words("3 teams still out became DNF.").strip()
        ]
        assert self.act(organiser, race, "close_races") == [
            "race hand is already closed (provisional, protests until 10:42); nothing changed."
        ]
        assert audited("race_closed") == [{"dnf": 3, "protests_until": UNTIL}]

    def test_reopening_asks_for_a_reason_on_the_results_page(self, organiser, race):
        assert run("close_race", "hand").ok
        told = self.act(organiser, race, "reopen_races")
        assert told == [
            "race hand: reopening needs a reason; reopen it on its results page: /officials/hand/results/"
        ]
        assert Race.objects.get(pk=race.pk).is_closed
        assert not audited("race_reopened")


WARNING = (
    "warning: race hand is closed; its results changed after the finish. "
    "Reopen it with close_race hand --reopen --reason TEXT if this was not meant."
)


class TestChangingAClosedRace:
    """A protest is judged after the finish: the results desk corrects, and the organiser is told."""

    @pytest.fixture
    def closed(self, race):
        assert run("close_race", "hand").ok
        return race

    def test_a_timing_file_is_refused_and_nothing_stored(self, closed, tmp_path):
        outcome = run(
            "import_timing", "hand", write(tmp_path, "late.csv", "bib,station,time\n102,FINISH,08:00:00\n")
        )
        assert not outcome.ok
        assert outcome.problems[0] == "the race is closed: ask the results desk."
        assert statuses(closed)["102"] == "DNF"

    def test_a_status_set_after_the_finish_needs_a_reason_and_warns(self, closed):
        refused = run("set_team_status", "hand", "101", "DQ")
        assert not refused.ok and "say why this correction is made" in refused.problems[0]
        outcome = run("set_team_status", "hand", "101", "DQ", "--reason", "protest upheld")
        assert outcome.ok and outcome.stderr.splitlines() == [WARNING]
        assert statuses(closed)["101"] == "DQ"

    def test_a_changed_entry_warns_and_the_same_file_again_does_not(self, closed, tmp_path):
        entries = (EXAMPLES / "hand-worked" / "entries.csv").read_text().replace("Runner 101.2", "Ahmad Faiz")
        path = write(tmp_path, "entries.csv", entries)
        changed = run("import_entries", "hand", path)
        assert changed.ok and changed.stderr.splitlines() == [WARNING]
        again = run("import_entries", "hand", path)
        assert again.ok and again.stderr == ""

    def test_a_changed_course_warns(self, closed, tmp_path):
        race_file = (
            (EXAMPLES / "hand-worked" / "race.json")
            .read_text()
            .replace('"kuriage_minutes": 10', '"kuriage_minutes": 15')
        )
        outcome = run("import_race", write(tmp_path, "race.json", race_file))
        assert outcome.ok and outcome.stderr.splitlines() == [WARNING]

    def test_reading_or_refusing_does_not_warn(self, closed, tmp_path):
        assert run("export_results", "hand", "--format", "csv").stderr == ""
        refused = run(
            "import_timing", "hand", write(tmp_path, "bad.csv", "bib,station,time\n999,R1,07:00:00\n")
        )
        assert not refused.ok and WARNING not in refused.stderr

    def test_making_it_official_does_not_warn(self, closed):
        outcome = run("close_race", "hand", "--official")
        assert outcome.ok and outcome.stderr == ""
        assert outcome.stdout == "race hand is closed and its results are official.\n"

    def test_an_open_race_changes_without_a_warning(self, race):
        outcome = run("set_team_status", "hand", "101", "DQ", "--reason", "protest upheld")
        assert outcome.ok and outcome.stderr == ""
