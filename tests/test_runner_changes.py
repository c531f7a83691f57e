"""Runner changes (当日変更): `change_runner`, the audited service behind it, and what the public sees.

The KL Ekiden ran on 23 November 2025, so its gun (the default changes deadline) has passed:
a change needs a reason unless the organisers set a later deadline. Team 101 "Harimau
Striders" (Mixed Open: at least one woman and one man) runs Siti (F), Tan (M), Lakshmi (F).
"""

import html
import json
from datetime import UTC, datetime

from django.test import TestCase

from races.audit import Actor, LegRunner, RunnerChanged, read_details
from races.models import AuditEntry, Race, Runner
from races.problems import InputProblems
from races.services import entries_import, race_import, runner_change, runner_legs_swap
from races.services.runner_changes import changes_deadline
from tests.cast import race_cast
from tests.commands import run
from tests.race_payloads import KL_EKIDEN, KL_ENTRIES

LATER = datetime(2099, 1, 1, tzinfo=UTC)


class RunnerChangeTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race, _ = race_import(payload=KL_EKIDEN)
        entries_import(race=cls.race, raw=KL_ENTRIES.encode(), filename="entries.csv", actor=Actor("setup"))

    def runners(self, bib="101") -> list[tuple]:
        rows = Runner.objects.filter(team__bib=bib).order_by("leg")
        return list(rows.values_list("leg", "name", "gender", "birth_date", "runner_bib", "chip_id"))

    def changes(self):
        return AuditEntry.objects.filter(action=AuditEntry.Action.RUNNER_CHANGED)

    def version(self) -> int:
        return Race.objects.get(pk=self.race.pk).standings_version

    def before_the_deadline(self):
        Race.objects.filter(pk=self.race.pk).update(changes_deadline=LATER)
        self.race.refresh_from_db()


class TestTheCommand(RunnerChangeTestCase):
    def test_a_substitute_runs_the_leg_before_the_deadline(self):
        self.before_the_deadline()
        version = self.version()
        outcome = run(
            "change_runner", "kl-ekiden", "101", "2",
            "--name", "Ahmad bin Yusof", "--gender", "m", "--birth-date", "1982-05-06",
        )  # fmt: skip
        assert outcome.ok, outcome.stderr
        assert "team 101, leg 2: Tan Wei Ming → Ahmad bin Yusof." in outcome.stdout
        # The leg's bib and chip stay with the leg: the substitute wears them.
        assert self.runners()[1] == (
            2,
            "Ahmad bin Yusof",
            "M",
            datetime(1982, 5, 6).date(),
            "101-2",
            "CHIP1012",
        )
        assert self.version() == version + 1
        entry = self.changes().get()
        assert entry.team.bib == "101" and entry.reason == ""
        assert entry.actor.startswith("command line")

    def test_a_change_that_breaks_the_category_is_refused_naming_the_team_and_the_rule(self):
        self.before_the_deadline()
        before, version = self.runners(), self.version()
        outcome = run(
            "change_runner", "kl-ekiden", "101", "2",
            "--name", "Nur Aisyah", "--gender", "F", "--birth-date", "1990-01-01",
        )  # fmt: skip
        assert not outcome.ok
        assert (
            outcome.problems[0] == "team 101: category MX (Mixed Open) needs at least 1 men; the team has 0."
        )
        assert "nothing was changed" in outcome.stderr
        assert self.runners() == before and self.version() == version
        assert not self.changes().exists()

    def test_after_the_deadline_a_change_needs_a_reason(self):
        before = self.runners()
        args = ["change_runner", "kl-ekiden", "101", "1", "--name", "Mei Ling", "--gender", "F"]
        args += ["--birth-date", "1985-02-03"]
        refused = run(*args)
        assert not refused.ok
        assert refused.problems[0].startswith("reason: the changes deadline (23 November 2025, 06:30")
        assert self.runners() == before and not self.changes().exists()

        done = run(*args, "--reason", "Siti is ill; the captain asked at 05:50")
        assert done.ok, done.stderr
        assert self.runners()[0][1:3] == ("Mei Ling", "F")
        assert self.changes().get().reason == "Siti is ill; the captain asked at 05:50"

    def test_an_unknown_bib_leg_or_bad_value_is_one_line_each_and_changes_nothing(self):
        self.before_the_deadline()
        before = self.runners()
        unknown_bib = run("change_runner", "kl-ekiden", "999", "1", "--name", "A", "--gender", "F",
                          "--birth-date", "1980-01-01")  # fmt: skip
        assert unknown_bib.problems[0] == "team 999: no such team in kl-ekiden."
        unknown_leg = run("change_runner", "kl-ekiden", "101", "4", "--name", "A", "--gender", "F",
                          "--birth-date", "1980-01-01")  # fmt: skip
        assert unknown_leg.problems[0] == "leg: '4' is not a leg; this race has legs 1 to 3."
        bad = run("change_runner", "kl-ekiden", "101", "1", "--name", " ", "--gender", "Q",
                  "--birth-date", "1980-13-01")  # fmt: skip
        assert bad.problems[:3] == [
            "name: required: the new runner's name.",
            "gender: 'Q' is not a gender; use F, M or X.",
            "birth_date: '1980-13-01' is not a date; write it as YYYY-MM-DD (e.g. 1984-02-29).",
        ]
        ancient = run("change_runner", "kl-ekiden", "101", "1", "--name", "A", "--gender", "F",
                      "--birth-date", "1800-01-01")  # fmt: skip
        assert (
            ancient.problems[0] == "birth_date: 1800-01-01 makes the runner 225 on race day; check the year."
        )
        unknown_race = run("change_runner", "no-such-race", "101", "1", "--name", "A", "--gender", "F",
                           "--birth-date", "1980-01-01")  # fmt: skip
        assert not unknown_race.ok
        assert self.runners() == before and not self.changes().exists()

    def test_the_same_runner_again_changes_nothing(self):
        version = self.version()
        outcome = run("change_runner", "kl-ekiden", "101", "2", "--name", "Tan Wei Ming", "--gender", "M",
                      "--birth-date", "1978-07-01")  # fmt: skip
        assert outcome.ok and "already runs leg 2; nothing changed" in outcome.stdout
        assert self.version() == version and not self.changes().exists()


class TestTheService(RunnerChangeTestCase):
    def test_the_deadline_is_the_gun_unless_the_organisers_set_one(self):
        assert changes_deadline(self.race) == self.race.gun
        self.before_the_deadline()
        assert changes_deadline(self.race) == LATER

    def test_the_audit_entry_lists_the_runner_before_and_after_without_birth_dates(self):
        runner_change(
            race=self.race, bib="101", leg=2, name="Ahmad", gender="M", birth_date="1982-05-06",
            reason="injured", actor=Actor("olivia"),
        )  # fmt: skip
        entry = self.changes().get()
        assert read_details(entry.action, entry.details) == RunnerChanged(
            before=(LegRunner(leg=2, name="Tan Wei Ming", gender="M"),),
            after=(LegRunner(leg=2, name="Ahmad", gender="M"),),
        )
        assert "1978" not in json.dumps(entry.details) and "1982" not in json.dumps(entry.details)
        assert entry.actor == "olivia" and entry.reason == "injured"

    def test_two_legs_swap_their_runners_and_the_bibs_stay_with_the_legs(self):
        version = self.version()
        done = runner_legs_swap(
            race=self.race, bib="101", leg=1, other_leg="3", reason="order", actor=Actor("o")
        )
        assert [row[1] for row in self.runners()] == [
            "Lakshmi Menon",
            "Tan Wei Ming",
            "Siti Aminah binti Ibrahim",
        ]
        assert [row[4] for row in self.runners()] == ["101-1", "101-2", "101-3"]
        assert done.after == (
            LegRunner(leg=1, name="Lakshmi Menon", gender="F"),
            LegRunner(leg=3, name="Siti Aminah binti Ibrahim", gender="F"),
        )
        assert self.changes().count() == 1 and self.version() == version + 1

    def test_a_swap_of_a_leg_with_itself_or_without_a_reason_after_the_deadline_is_refused(self):
        before = self.runners()
        for legs, reason in (((2, 2), "x"), ((1, 2), ""), ((1, 9), "x")):
            with self.assertRaises(InputProblems):
                runner_legs_swap(race=self.race, bib="101", leg=legs[0], other_leg=legs[1], reason=reason,
                                 actor=Actor("o"))  # fmt: skip
        assert self.runners() == before and not self.changes().exists()


class TestThePublicSeeWhoActuallyRan(RunnerChangeTestCase):
    def test_the_team_page_and_the_export_name_the_substitute(self):
        self.client.get("/races/kl-ekiden/teams/101/")  # cached before the change
        runner_change(
            race=self.race, bib="101", leg=2, name="Ahmad bin Yusof", gender="M", birth_date="1982-05-06",
            reason="captain asked at 05:50", actor=Actor("olivia"),
        )  # fmt: skip
        page = self.client.get("/races/kl-ekiden/teams/101/").content.decode()
        assert "Ahmad bin Yusof" in page and "Tan Wei Ming" not in page
        assert "1982" not in page and "captain asked" not in page
        exported = run("export_results", "kl-ekiden", "--format", "json")
        legs = next(team for team in json.loads(exported.stdout)["teams"] if team["bib"] == "101")["legs"]
        assert [leg["runner"] for leg in legs] == [
            "Siti Aminah binti Ibrahim",
            "Ahmad bin Yusof",
            "Lakshmi Menon",
        ]
        assert "captain asked" not in exported.stdout and "1982" not in exported.stdout


# --- the organisers' page -------------------------------------------------------------------


class TestTheRunnersPage(RunnerChangeTestCase):
    """Olivia organises the KL Ekiden, Dana works its results desk, Alice keeps R1, Oscar
    organises another race."""

    URL = "/officials/kl-ekiden/teams/101/runners/"

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cast = race_cast(cls.race)
        cls.olivia, cls.dana, cls.alice, cls.oscar = cast.olivia, cast.dana, cast.alice, cast.oscar

    def substitute(self, leg=2, **fields):
        data = {
            "change": str(leg),
            f"leg{leg}-name": "Ahmad bin Yusof",
            f"leg{leg}-gender": "M",
            f"leg{leg}-birth_date": "1982-05-06",
            f"leg{leg}-reason": "Tan is ill",
        }
        data.update({f"leg{leg}-{key}": value for key, value in fields.items()})
        return self.client.post(self.URL, data)

    def test_the_organiser_finds_it_from_the_corrections_page_and_sees_the_deadline(self):
        self.client.force_login(self.olivia)
        assert self.URL in self.client.get("/officials/kl-ekiden/teams/101/").content.decode()
        page = self.client.get(self.URL)
        assert page.status_code == 200
        text = html.unescape(page.content.decode())
        assert "The changes deadline was 23 November 2025, 06:30 (Asia/Kuala_Lumpur time)" in text
        assert "Tan Wei Ming" in text and "1978-07-01" not in text

    def test_the_desk_a_station_official_and_another_races_organiser_are_refused_and_nothing_changes(self):
        before = self.runners()
        for user in (self.dana, self.alice, self.oscar):
            self.client.force_login(user)
            assert self.client.get(self.URL).status_code == 403, user
            assert self.substitute().status_code == 403, user
            swap = {"change": "swap", "swap-leg": "1", "swap-other_leg": "2", "swap-reason": "x"}
            assert self.client.post(self.URL, swap).status_code == 403, user
            assert self.URL not in self.client.get("/officials/kl-ekiden/teams/101/").content.decode()
        self.client.logout()
        assert self.substitute().status_code == 302  # to the login page
        assert self.runners() == before and not self.changes().exists()

    def test_the_organiser_puts_a_substitute_on_a_leg(self):
        self.client.force_login(self.olivia)
        response = self.substitute()
        assert response.status_code == 302 and response["Location"] == self.URL
        assert self.runners()[1][1:3] == ("Ahmad bin Yusof", "M")
        entry = self.changes().get()
        assert entry.user == self.olivia and entry.reason == "Tan is ill"
        followed = self.client.get(self.URL).content.decode()
        assert "Saved: leg 2 Tan Wei Ming → Ahmad bin Yusof." in html.unescape(followed)

    def test_errors_show_beside_their_fields_and_change_nothing(self):
        self.client.force_login(self.olivia)
        before = self.runners()
        no_reason = self.substitute(reason="")
        assert no_reason.status_code == 400
        form = no_reason.context["legs"][1][1]  # leg 2's form
        assert list(form.errors) == ["reason"] and "the changes deadline" in form.errors["reason"][0]
        assert "autofocus" in str(form["reason"])
        bad_date = self.substitute(birth_date="1982-13-40").context["legs"][1][1]
        assert list(bad_date.errors) == ["birth_date"]
        breaks_rule = self.substitute(gender="F")
        assert breaks_rule.status_code == 400
        assert "team 101: category MX (Mixed Open) needs at least 1 men" in html.unescape(
            breaks_rule.content.decode()
        )
        assert self.runners() == before and not self.changes().exists()

    def test_the_organiser_swaps_two_legs(self):
        self.client.force_login(self.olivia)
        swap = {"change": "swap", "swap-leg": "1", "swap-other_leg": "3", "swap-reason": "order"}
        assert self.client.post(self.URL, swap).status_code == 302
        assert [row[1] for row in self.runners()][::2] == ["Lakshmi Menon", "Siti Aminah binti Ibrahim"]
        same = self.client.post(self.URL, {**swap, "swap-other_leg": "1"})
        assert same.status_code == 400 and list(same.context["swap_form"].errors) == ["other_leg"]

    def test_a_post_naming_no_leg_of_the_team_changes_nothing(self):
        self.client.force_login(self.olivia)
        before = self.runners()
        response = self.client.post(self.URL, {"change": "9", "leg9-name": "X"}, follow=True)
        assert "the form was incomplete" in response.content.decode()
        assert self.runners() == before and not self.changes().exists()
