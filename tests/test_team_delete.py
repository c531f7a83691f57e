"""Spam teams can be removed: a team that never ran goes, with its runners; a team that ran stays.

Olivia the organiser cleans up the public registrations before race day. Team 101 has run
(two splits at R1), team 102 too; teams 180 and 181 are a bot's registrations.
"""

from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import TestCase
from django.urls import reverse

from races.audit import Actor
from races.models import AuditEntry, OfficialRole, Race, RaceOfficial, Runner, Team
from races.problems import InputProblems
from races.services import entries_import, race_import, team_delete
from results.timing.models import TimingRecord
from results.timing.services import timing_import, timing_record_void
from tests.race_payloads import KL_EKIDEN

ENTRIES = """team_bib,team_name,category,leg,runner_name,gender,birth_date
101,Harimau Striders,MX,1,Siti Aminah binti Ibrahim,F,1980-03-14
101,Harimau Striders,MX,2,Tan Wei Ming,M,1978-07-01
101,Harimau Striders,MX,3,Lakshmi Menon,F,1975-12-19
102,Japanese Club of KL,MO,1,Sato Ken,M,1984-01-12
102,Japanese Club of KL,MO,2,Rajesh s/o Krishnan,M,1976-11-06
102,Japanese Club of KL,MO,3,Hakim bin Hassan,M,1990-04-25
180,Cheap Watches Online,MX,1,Buy Now,F,1990-01-01
180,Cheap Watches Online,MX,2,Click Here,M,1990-01-01
180,Cheap Watches Online,MX,3,Free Gift,F,1990-01-01
181,Cheap Watches Online 2,MX,1,Buy Now Again,F,1990-01-01
181,Cheap Watches Online 2,MX,2,Click Here Again,M,1990-01-01
181,Cheap Watches Online 2,MX,3,Free Gift Again,F,1990-01-01
"""

TIMING = b"""bib,station,time,read_id
101,R1,07:00:00,r1-0001
101,R1,07:00:02,r1-0002
102,R1,07:01:30,r1-0003
"""

RAN = (
    "Team 101 (Harimau Striders) has 2 timing records, so it cannot be deleted. Set a status "
    "(DNS or DQ) instead, or void the splits that were wrong."
)


class TeamDeleteTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.olivia = get_user_model().objects.create_user("olivia", is_staff=True)
        cls.race, _ = race_import(payload=KL_EKIDEN)
        RaceOfficial.objects.create(race=cls.race, user=cls.olivia, role=OfficialRole.ORGANISER)
        entries_import(race=cls.race, raw=ENTRIES.encode(), filename="entries.csv", actor=Actor("setup"))
        timing_import(race=cls.race, raw=TIMING, filename="r1.csv")

    def team(self, bib: str) -> Team:
        return Team.objects.get(race=self.race, bib=bib)

    def standings_version(self) -> int:
        return Race.objects.get(pk=self.race.pk).standings_version

    def bibs(self) -> list[str]:
        return list(Team.objects.filter(race=self.race).order_by("bib").values_list("bib", flat=True))


class TeamDeleteServiceTest(TeamDeleteTestCase):
    def test_a_team_that_never_ran_goes_with_its_runners_and_the_trail_keeps_it(self):
        version = self.standings_version()
        team_delete(team=self.team("180"), actor=Actor.of_user(self.olivia))
        self.assertEqual(self.bibs(), ["101", "102", "181"])
        self.assertFalse(Runner.objects.filter(name="Click Here").exists())
        entry = AuditEntry.objects.get(action=AuditEntry.Action.TEAM_DELETED)
        self.assertEqual(
            (entry.race, entry.actor, entry.user, entry.team), (self.race, "olivia", self.olivia, None)
        )
        self.assertEqual(
            entry.details,
            {
                "bib": "180",
                "name": "Cheap Watches Online",
                "runners": [
                    {"leg": 1, "name": "Buy Now"},
                    {"leg": 2, "name": "Click Here"},
                    {"leg": 3, "name": "Free Gift"},
                ],
            },
        )
        self.assertGreater(self.standings_version(), version)  # cached standings drop the team

    def test_a_team_that_ran_is_kept_and_the_refusal_says_what_to_do_instead(self):
        version = self.standings_version()
        with self.assertRaises(InputProblems) as refusal:
            team_delete(team=self.team("101"), actor=Actor.of_user(self.olivia))
        self.assertEqual([str(p) for p in refusal.exception.problems], [RAN])
        self.assertEqual(self.team("101").runners.count(), 3)
        self.assertEqual(TimingRecord.objects.filter(team__bib="101").count(), 2)
        self.assertFalse(AuditEntry.objects.filter(action=AuditEntry.Action.TEAM_DELETED).exists())
        self.assertEqual(self.standings_version(), version)

    def test_voiding_the_splits_does_not_make_a_team_deletable(self):
        record = TimingRecord.objects.get(read_id="r1-0003")
        timing_record_void(record=record, reason="wrong bib read", actor=Actor("olivia"))
        with self.assertRaises(InputProblems) as refusal:
            team_delete(team=self.team("102"), actor=Actor("olivia"))
        self.assertIn(
            "Team 102 (Japanese Club of KL) has 1 timing record, so", str(refusal.exception.problems[0])
        )
        self.assertIn("102", self.bibs())

    def test_a_team_deleted_twice_is_explained(self):
        team = self.team("180")
        team_delete(team=team, actor=Actor("olivia"))
        with self.assertRaises(InputProblems) as refusal:
            team_delete(team=team, actor=Actor("olivia"))
        self.assertEqual([str(p) for p in refusal.exception.problems], ["team 180: already deleted."])


class TeamDeleteAdminTest(TeamDeleteTestCase):
    def setUp(self):
        self.client.force_login(self.olivia)

    def delete_url(self, bib: str) -> str:
        return reverse("admin:races_team_delete", args=[self.team(bib).pk])

    def messages(self, response) -> list[str]:
        return [str(message) for message in get_messages(response.wsgi_request)]

    def test_olivia_deletes_a_spam_team_from_its_page(self):
        confirm = self.client.get(self.delete_url("180"))
        self.assertContains(confirm, "Are you sure you want to delete the team")
        response = self.client.post(self.delete_url("180"), {"post": "yes"})
        self.assertRedirects(response, reverse("admin:races_team_changelist"))
        self.assertNotIn("180", self.bibs())
        self.assertEqual(AuditEntry.objects.get(action=AuditEntry.Action.TEAM_DELETED).user, self.olivia)

    def test_the_delete_page_of_a_team_that_ran_says_why_not(self):
        team = self.team("101")
        response = self.client.get(self.delete_url("101"), follow=True)
        self.assertRedirects(response, reverse("admin:races_team_change", args=[team.pk]))
        self.assertContains(response, RAN)
        self.client.post(self.delete_url("101"), {"post": "yes"})
        self.assertIn("101", self.bibs())
        self.assertEqual(TimingRecord.objects.filter(team=team).count(), 2)

    def test_bulk_delete_asks_only_about_teams_that_never_ran_and_names_the_others(self):
        changelist = reverse("admin:races_team_changelist")
        chosen = [self.team(bib).pk for bib in ("101", "180", "181")]
        confirm = self.client.post(changelist, {"action": "delete_selected", "_selected_action": chosen})
        self.assertEqual(confirm.status_code, 200)
        self.assertEqual(sorted(t.bib for t in confirm.context["queryset"]), ["180", "181"])
        self.assertContains(confirm, RAN)
        # The confirmation page sends back the teams it asked about.
        asked = [team.pk for team in confirm.context["queryset"]]
        response = self.client.post(
            changelist, {"action": "delete_selected", "_selected_action": asked, "post": "yes"}, follow=True
        )
        self.assertContains(response, "Successfully deleted 2 teams.")
        self.assertEqual(self.bibs(), ["101", "102"])
        self.assertEqual(AuditEntry.objects.filter(action=AuditEntry.Action.TEAM_DELETED).count(), 2)

    def test_bulk_delete_confirmed_with_a_team_that_ran_still_keeps_it(self):
        chosen = [self.team(bib).pk for bib in ("101", "180")]
        response = self.client.post(
            reverse("admin:races_team_changelist"),
            {"action": "delete_selected", "_selected_action": chosen, "post": "yes"},
        )
        self.assertIn(RAN, self.messages(response))
        self.assertIn("Successfully deleted 1 team.", self.messages(response))
        self.assertEqual(self.bibs(), ["101", "102", "181"])

    def test_bulk_delete_of_only_teams_that_ran_deletes_nothing(self):
        chosen = [self.team(bib).pk for bib in ("101", "102")]
        response = self.client.post(
            reverse("admin:races_team_changelist"), {"action": "delete_selected", "_selected_action": chosen}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(len(self.messages(response)), 2)
        self.assertEqual(self.bibs(), ["101", "102", "180", "181"])
