"""An official's reason for a status stays with the officials; the public read only the note.

The hand-worked race (tests/test_pages.py): team 104 never started, and the official noted
why, a torn hamstring, which is a runner's health and nobody else's business.
"""

import json
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse

from races.audit import Actor
from races.models import AuditEntry, Team
from races.services import team_status_set
from tests.test_pages import build_hand_race

PRIVATE = "torn hamstring"


def export(slug: str, fmt: str) -> str:
    out = StringIO()
    call_command("export_results", slug, "--format", fmt, stdout=out)
    return out.getvalue()


class StatusReasonStaysPrivateTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race = build_hand_race()
        team_status_set(race=cls.race, bib="104", status="DNS", reason=PRIVATE, actor=Actor("olivia"))

    def setUp(self):
        cache.clear()

    def public_texts(self) -> dict[str, str]:
        standings = reverse("results:standings", kwargs={"slug": "hand"})
        return {
            "standings": self.client.get(standings).content.decode(),
            "search": self.client.get(standings, {"q": "Team 104"}).content.decode(),
            "team page": self.client.get(reverse("results:team", args=["hand", "104"])).content.decode(),
            "API": self.client.get(reverse("api-race-results", args=["hand"])).content.decode(),
            "JSON export": export("hand", "json"),
            "CSV export": export("hand", "csv"),
        }

    def test_the_reason_is_on_no_public_page_api_or_export(self):
        texts = self.public_texts()
        self.assertIn("Team 104", texts["search"])  # the search found the team
        for where, text in texts.items():
            with self.subTest(where=where):
                self.assertNotIn(PRIVATE, text)
                self.assertNotIn("cut the course", text)  # team 105's DQ reason

    def test_the_team_page_shows_the_status_and_no_note_when_none_was_written(self):
        response = self.client.get(reverse("results:team", args=["hand", "104"]))
        self.assertContains(response, "<dd>Did not start</dd>", html=True)

    def test_the_export_keeps_the_contracts_fields_only(self):
        team = next(t for t in json.loads(export("hand", "json"))["teams"] if t["bib"] == "104")
        self.assertEqual(
            set(team),
            {"bib", "name", "category", "status", "total_ms", "rank", "category_rank", "legs", "stations"},
        )

    def test_a_public_note_is_shown_on_the_team_page_and_the_reason_still_is_not(self):
        team_status_set(
            race=self.race,
            bib="104",
            status="DNS",
            reason=PRIVATE,
            public_note="withdrew on race morning",
            actor=Actor("olivia"),
        )
        response = self.client.get(reverse("results:team", args=["hand", "104"]))
        self.assertContains(response, "Did not start — withdrew on race morning")
        self.assertNotContains(response, PRIVATE)


class PublicNoteTest(TestCase):
    """Olivia writes the public note from the admin or the command line; both are audited."""

    @classmethod
    def setUpTestData(cls):
        cls.race = build_hand_race()
        cls.olivia = get_user_model().objects.create_superuser("olivia", "olivia@example.org", "pw-olivia")

    def setUp(self):
        cache.clear()

    def test_the_command_takes_a_public_note_beside_the_reason(self):
        out = StringIO()
        call_command(
            "set_team_status",
            "hand",
            "104",
            "DNF",
            "--reason",
            PRIVATE,
            "--public-note",
            "stopped at R1\u202e",
            stdout=out,
        )
        team = Team.objects.get(race=self.race, bib="104")
        self.assertEqual((team.official_status, team.status_reason), ("DNF", PRIVATE))
        self.assertEqual(team.public_note, "stopped at R1")  # shown publicly: no invisible marks
        entry = AuditEntry.objects.filter(team=team, action=AuditEntry.Action.TEAM_STATUS).first()
        self.assertEqual(entry.reason, PRIVATE)
        self.assertEqual(entry.details, {"from": "AUTO", "to": "DNF", "public_note": "stopped at R1"})

    def test_a_new_decision_replaces_the_old_note(self):
        team_status_set(
            race=self.race, bib="104", status="DQ", public_note="disqualified", actor=Actor("olivia")
        )
        team = team_status_set(race=self.race, bib="104", status="AUTO", actor=Actor("olivia"))
        self.assertEqual((team.official_status, team.public_note), ("", ""))

    def test_a_note_too_long_is_refused_and_changes_nothing(self):
        out, err = StringIO(), StringIO()
        with self.assertRaises(CommandError):
            call_command(
                "set_team_status", "hand", "104", "DNF", "--public-note", "x" * 301, stdout=out, stderr=err
            )
        self.assertIn("public note: longer than 300 characters", err.getvalue())
        self.assertEqual(Team.objects.get(race=self.race, bib="104").official_status, "")

    def test_the_admin_sets_the_note_through_the_audited_service(self):
        self.client.force_login(self.olivia)
        team = Team.objects.get(race=self.race, bib="104")
        url = reverse("admin:races_team_change", args=[team.pk])
        form = self.client.get(url)
        self.assertContains(form, 'name="public_note"')
        data = {
            "bib": team.bib,
            "name": team.name,
            "category": str(team.category_id),
            "club": team.club,
            "official_status": "DNS",
            "status_reason": PRIVATE,
            "public_note": "withdrew on race morning",
        }
        runners = list(team.runners.order_by("leg"))
        data |= {"runners-TOTAL_FORMS": str(len(runners)), "runners-INITIAL_FORMS": str(len(runners))}
        for i, runner in enumerate(runners):  # the team's runners sent back unchanged
            for key in ("id", "team", "leg", "name", "gender", "birth_date", "runner_bib"):
                data[f"runners-{i}-{key}"] = str(getattr(runner, "team_id" if key == "team" else key))
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.context and response.context["errors"])
        team.refresh_from_db()
        self.assertEqual((team.official_status, team.public_note), ("DNS", "withdrew on race morning"))
        entry = AuditEntry.objects.get(team=team, action=AuditEntry.Action.TEAM_STATUS)
        self.assertEqual((entry.actor, entry.details["public_note"]), ("olivia", "withdrew on race morning"))
