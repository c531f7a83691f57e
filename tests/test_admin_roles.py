"""Admin roles are enforced: Vera only looks, Rita runs the results desk, Olivia organises.

Rita and Olivia get their rights from their role on the race (races/access.py), Vera from
Django's view permissions and the station official's role: the results desk uploads timing,
voids and restores splits and sets statuses; it does not set the race up, import entries or
close the race. Every refusal leaves the database as it was.
"""

from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from races.audit import Actor
from races.models import AuditEntry, OfficialRole, Race, RaceOfficial, Team
from races.roles import ROLE_PERMISSIONS
from races.services import entries_import, race_close, race_import, race_official_name
from results.timing.models import TimingRecord
from results.timing.services import timing_import, timing_record_void
from tests.commands import run
from tests.race_payloads import KL_EKIDEN, KL_ENTRIES, KL_TIMING

LATE_ENTRY = (
    "team_bib,team_name,category,leg,runner_name,gender,birth_date\n"
    "103,Kobayashi & Friends,MXS,1,Nur Aisyah binti Yusof,F,1970-07-29\n"
    "103,Kobayashi & Friends,MXS,2,Lim Mei Ling,F,1968-02-29\n"
    "103,Kobayashi & Friends,MXS,3,Rajesh Kumar,M,1965-05-05\n"
)

R2_READS = "bib,station,time,source,read_id\n101,R2,07:40:00,chip,r2-0001\n"


def offered_actions(changelist) -> list[str]:
    """The actions a changelist page offers in its drop-down (none: no drop-down at all)."""
    action_form = changelist.context["action_form"]
    if action_form is None:
        return []
    return [name for name, _label in action_form.fields["action"].choices if name]


def staff(username: str):
    return get_user_model().objects.create_user(username, f"{username}@example.org", "tasuki", is_staff=True)


class RolesTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race, _ = race_import(payload=KL_EKIDEN)
        cls.vera = staff("vera")  # a volunteer who may look at everything and change nothing
        cls.vera.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
        name = partial(race_official_name, race=cls.race, actor=Actor("setup"))
        name(user=cls.vera, role=OfficialRole.STATION, station_codes=["R1"])
        cls.rita = staff("rita")
        name(user=cls.rita, role=OfficialRole.RESULTS_DESK)
        cls.olivia = staff("olivia")
        name(user=cls.olivia, role=OfficialRole.ORGANISER)

        entries_import(race=cls.race, raw=KL_ENTRIES.encode(), filename="entries.csv", actor=Actor("setup"))
        timing_import(race=cls.race, raw=KL_TIMING, filename="r1.csv")
        cls.split = TimingRecord.objects.get(read_id="r1-0001")
        cls.voided_split = TimingRecord.objects.get(read_id="r1-0002")
        timing_record_void(record=cls.voided_split, reason="read twice", actor=Actor("setup"))

    def audit_count(self, action: str) -> int:
        return AuditEntry.objects.filter(action=action).count()

    def race_is_closed(self) -> bool:
        return Race.objects.get(pk=self.race.pk).is_closed


class SplitCorrectionRolesTest(RolesTestCase):
    def correct(self, user, action: str, record: TimingRecord):
        self.client.force_login(user)
        data = {"action": action, "_selected_action": [record.pk], "reason": "checked on the video"}
        return self.client.post(reverse("admin:results_timingrecord_changelist"), data, follow=True)

    def offered_actions(self, user) -> list[str]:
        self.client.force_login(user)
        return offered_actions(self.client.get(reverse("admin:results_timingrecord_changelist")))

    def test_vera_is_not_offered_void_or_restore(self):
        self.assertEqual(self.offered_actions(self.vera), [])

    def test_vera_cannot_void_a_split(self):
        response = self.correct(self.vera, "void_records", self.split)
        self.assertNotContains(response, "Void splits")
        self.split.refresh_from_db()
        self.assertFalse(self.split.voided)
        self.assertEqual(self.audit_count(AuditEntry.Action.TIMING_VOIDED), 1)  # the set-up's only

    def test_vera_cannot_restore_a_split(self):
        self.correct(self.vera, "restore_records", self.voided_split)
        self.voided_split.refresh_from_db()
        self.assertTrue(self.voided_split.voided)
        self.assertEqual(self.audit_count(AuditEntry.Action.TIMING_RESTORED), 0)

    def test_rita_voids_a_split(self):
        self.assertEqual(self.offered_actions(self.rita), ["void_records", "restore_records"])
        response = self.correct(self.rita, "void_records", self.split)
        self.assertContains(response, "Void splits: 1 done.")
        self.split.refresh_from_db()
        self.assertEqual((self.split.voided, self.split.voided_by), (True, self.rita))

    def test_rita_restores_a_split(self):
        response = self.correct(self.rita, "restore_records", self.voided_split)
        self.assertContains(response, "Restore splits: 1 done.")
        self.voided_split.refresh_from_db()
        self.assertFalse(self.voided_split.voided)

    def test_olivia_voids_a_split(self):
        self.correct(self.olivia, "void_records", self.split)
        self.split.refresh_from_db()
        self.assertEqual((self.split.voided, self.split.voided_by), (True, self.olivia))

    def test_olivia_restores_a_split(self):
        self.correct(self.olivia, "restore_records", self.voided_split)
        self.voided_split.refresh_from_db()
        self.assertFalse(self.voided_split.voided)


class RaceClosingRolesTest(RolesTestCase):
    def run_action(self, user, action: str):
        self.client.force_login(user)
        data = {"action": action, "_selected_action": [self.race.pk]}
        return self.client.post(reverse("admin:races_race_changelist"), data, follow=True)

    def test_vera_cannot_close_the_race(self):
        response = self.run_action(self.vera, "close_races")
        self.assertEqual(offered_actions(response), [])
        self.assertFalse(self.race_is_closed())
        self.assertEqual(self.audit_count(AuditEntry.Action.RACE_CLOSED), 0)

    def test_rita_cannot_close_the_race(self):
        response = self.run_action(self.rita, "close_races")
        self.assertEqual(offered_actions(response), [])
        self.assertFalse(self.race_is_closed())
        self.assertEqual(self.audit_count(AuditEntry.Action.RACE_CLOSED), 0)

    def test_olivia_closes_the_race(self):
        response = self.run_action(self.olivia, "close_races")
        self.assertContains(response, "Race kl-ekiden is closed: its results are provisional, protests until")
        self.assertContains(response, "1 team still out became DNF.")
        self.assertTrue(self.race_is_closed())
        self.assertEqual(AuditEntry.objects.get(action=AuditEntry.Action.RACE_CLOSED).user, self.olivia)

    def test_vera_cannot_reopen_the_race(self):
        race_close(race=self.race, actor=Actor("setup"))
        self.run_action(self.vera, "reopen_races")
        self.assertTrue(self.race_is_closed())
        self.assertEqual(self.audit_count(AuditEntry.Action.RACE_REOPENED), 0)

    def test_rita_cannot_reopen_the_race(self):
        race_close(race=self.race, actor=Actor("setup"))
        self.run_action(self.rita, "reopen_races")
        self.assertTrue(self.race_is_closed())
        self.assertEqual(self.audit_count(AuditEntry.Action.RACE_REOPENED), 0)

    def test_olivia_is_sent_to_the_results_page_to_reopen_with_a_reason(self):
        race_close(race=self.race, actor=Actor("setup"))
        response = self.run_action(self.olivia, "reopen_races")
        self.assertContains(
            response, "reopening needs a reason; reopen it on its results page: /officials/kl-ekiden/results/"
        )
        self.assertTrue(self.race_is_closed())


class TeamStatusRolesTest(RolesTestCase):
    def team(self) -> Team:
        return Team.objects.get(race=self.race, bib="102")

    def status_form(self, user):
        self.client.force_login(user)
        response = self.client.get(reverse("admin:races_team_change", args=[self.team().pk]))
        self.assertEqual(response.status_code, 200)
        return response.context["adminform"].form

    def set_status(self, user, **changes):
        """The change form as the browser sends it: the fields this user may edit, and the runners."""
        team = self.team()
        data = {
            "bib": team.bib,
            "name": team.name,
            "category": str(team.category_id),
            "club": team.club,
            "official_status": "DQ",
            "status_reason": "cut the course at R1",
            "public_note": "disqualified at R1",
            "runners-TOTAL_FORMS": "3",
            "runners-INITIAL_FORMS": "3",
            "runners-MIN_NUM_FORMS": "0",
            "runners-MAX_NUM_FORMS": "1000",
            **changes,
        }
        for i, runner in enumerate(team.runners.order_by("leg")):
            values = {
                "id": runner.pk,
                "team": team.pk,
                "leg": runner.leg,
                "name": runner.name,
                "gender": runner.gender,
                "birth_date": runner.birth_date.isoformat(),
                "runner_bib": runner.runner_bib,
                "chip_id": runner.chip_id,
            }
            data.update({f"runners-{i}-{key}": value for key, value in values.items()})
        self.client.force_login(user)
        return self.client.post(reverse("admin:races_team_change", args=[team.pk]), data)

    def test_a_closed_race_asks_for_the_reason_and_an_official_one_refuses_beside_the_field(self):
        race_close(race=self.race, actor=Actor("setup"))
        response = self.set_status(self.olivia, status_reason="")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "say why this correction is made")
        self.assertEqual(self.team().official_status, "")
        Race.objects.filter(pk=self.race.pk).update(official_at=self.race.gun)
        response = self.set_status(self.olivia)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "the results are official")
        self.assertEqual(self.team().official_status, "")

    def test_vera_a_station_official_finds_no_team_in_the_admin(self):
        # Her Django view permissions name no race; a station official's role gives no admin rows.
        self.client.force_login(self.vera)
        self.assertEqual(
            self.client.get(reverse("admin:races_team_changelist")).context["cl"].result_count, 0
        )
        self.assertEqual(self.set_status(self.vera).status_code, 403)
        self.assertEqual(self.team().official_status, "")
        self.assertEqual(self.audit_count(AuditEntry.Action.TEAM_STATUS), 0)

    def test_rita_sets_a_status_but_cannot_change_the_team(self):
        self.assertEqual(
            set(self.status_form(self.rita).fields), {"official_status", "status_reason", "public_note"}
        )
        response = self.set_status(self.rita, name="Renamed by the desk")
        self.assertEqual(response.status_code, 302)
        team = self.team()
        self.assertEqual(
            (team.official_status, team.public_note, team.name),
            ("DQ", "disqualified at R1", "Japanese Club of KL"),
        )
        entry = AuditEntry.objects.get(action=AuditEntry.Action.TEAM_STATUS)
        self.assertEqual((entry.user, entry.reason), (self.rita, "cut the course at R1"))

    def test_olivia_sets_a_status(self):
        self.assertIn("official_status", self.status_form(self.olivia).fields)
        self.assertEqual(self.set_status(self.olivia).status_code, 302)
        self.assertEqual(self.team().official_status, "DQ")

    def test_django_permissions_without_a_role_on_the_race_change_nothing(self):
        helper = staff("sam")
        helper.user_permissions.set(
            Permission.objects.filter(codename__in=["view_team", "change_team", "set_team_status"])
        )
        response = self.set_status(helper, name="Japanese Club of Kuala Lumpur")
        self.assertRedirects(response, reverse("admin:index"), fetch_redirect_response=False)
        team = self.team()
        self.assertEqual((team.name, team.official_status), ("Japanese Club of KL", ""))
        self.assertEqual(self.audit_count(AuditEntry.Action.TEAM_STATUS), 0)


class UploadRolesTest(RolesTestCase):
    def upload(self, user, kind: str, content: str):
        self.client.force_login(user)
        url = reverse(f"admin:races_race_import_{kind}", args=[self.race.pk])
        return self.client.post(
            url, {"file": SimpleUploadedFile("upload.csv", content.encode())}, follow=True
        )

    def upload_links(self, user) -> list[str]:
        self.client.force_login(user)
        response = self.client.get(reverse("admin:races_race_change", args=[self.race.pk]))
        return [
            kind
            for kind in ("entries", "timing")
            if reverse(f"admin:races_race_import_{kind}", args=[self.race.pk]) in response.text
        ]

    def test_each_role_sees_only_the_uploads_it_may_run(self):
        self.assertEqual(self.upload_links(self.vera), [])
        self.assertEqual(self.upload_links(self.rita), ["timing"])
        self.assertEqual(self.upload_links(self.olivia), ["entries", "timing"])

    def test_vera_cannot_upload_entries(self):
        response = self.upload(self.vera, "entries", LATE_ENTRY)
        self.assertRedirects(response, reverse("admin:races_race_changelist"))
        self.assertFalse(Team.objects.filter(bib="103").exists())

    def test_rita_cannot_upload_entries_and_is_told_which_role_may(self):
        response = self.upload(self.rita, "entries", LATE_ENTRY)
        self.assertRedirects(response, reverse("admin:races_race_change", args=[self.race.pk]))
        self.assertContains(
            response,
            "You may not import entries in this race: your role here does not hold the right "
            "“races.import_entries”. Nothing was imported. Ask the race&#x27;s organiser to name you "
            "with a role that has it: Organiser.",
        )
        self.assertFalse(Team.objects.filter(bib="103").exists())
        self.assertEqual(self.audit_count(AuditEntry.Action.ENTRIES_IMPORTED), 1)  # the set-up's only

    def test_olivia_uploads_entries(self):
        response = self.upload(self.olivia, "entries", LATE_ENTRY)
        self.assertContains(response, "Entries imported from upload.csv: 1 teams created")
        self.assertTrue(Team.objects.filter(bib="103").exists())

    def test_vera_cannot_upload_timing(self):
        response = self.upload(self.vera, "timing", R2_READS)
        self.assertRedirects(response, reverse("admin:races_race_changelist"))
        self.assertFalse(TimingRecord.objects.filter(read_id="r2-0001").exists())

    def test_vera_is_refused_the_upload_page_itself(self):
        self.client.force_login(self.vera)
        response = self.client.get(reverse("admin:races_race_import_timing", args=[self.race.pk]))
        self.assertRedirects(response, reverse("admin:races_race_changelist"))

    def test_rita_uploads_timing(self):
        response = self.upload(self.rita, "timing", R2_READS)
        self.assertContains(response, "Timing imported from upload.csv: 1 timing records added")
        self.assertEqual(TimingRecord.objects.get(read_id="r2-0001").recorded_by, self.rita)

    def test_olivia_uploads_timing(self):
        self.upload(self.olivia, "timing", R2_READS)
        self.assertTrue(TimingRecord.objects.filter(read_id="r2-0001").exists())


class TeamDeletionRolesTest(RolesTestCase):
    """A team that never ran (103, a late entry) may be deleted by an organiser only."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        entries_import(race=cls.race, raw=LATE_ENTRY.encode(), filename="late.csv", actor=Actor("setup"))

    def delete(self, user):
        self.client.force_login(user)
        team = Team.objects.get(race=self.race, bib="103")
        return self.client.post(reverse("admin:races_team_delete", args=[team.pk]), {"post": "yes"})

    def team_actions(self, user) -> list[str]:
        self.client.force_login(user)
        return offered_actions(self.client.get(reverse("admin:races_team_changelist")))

    def test_vera_cannot_delete_a_team(self):
        self.assertEqual(self.team_actions(self.vera), [])
        self.assertEqual(self.delete(self.vera).status_code, 403)
        self.assertTrue(Team.objects.filter(bib="103").exists())

    def test_rita_cannot_delete_a_team(self):
        self.assertEqual(self.team_actions(self.rita), [])
        self.assertEqual(self.delete(self.rita).status_code, 403)
        self.assertTrue(Team.objects.filter(bib="103").exists())
        self.assertEqual(self.audit_count(AuditEntry.Action.TEAM_DELETED), 0)

    def test_olivia_deletes_a_team(self):
        self.assertEqual(self.team_actions(self.olivia), ["delete_selected"])
        self.assertEqual(self.delete(self.olivia).status_code, 302)
        self.assertFalse(Team.objects.filter(bib="103").exists())


class RaceOfficialsRolesTest(RolesTestCase):
    """Olivia says who works the race on race day; she finds the helpers by their user name."""

    def officials_inline(self, user):
        self.client.force_login(user)
        response = self.client.get(reverse("admin:races_race_change", args=[self.race.pk]))
        inlines = [f for f in response.context["inline_admin_formsets"] if f.opts.model is RaceOfficial]
        return inlines[0] if inlines else None

    def find_user(self, user, term: str):
        self.client.force_login(user)
        query = {"app_label": "races", "model_name": "raceofficial", "field_name": "user", "term": term}
        return self.client.get(reverse("admin:autocomplete"), query)

    def test_olivia_may_add_race_officials_and_find_rita_by_name(self):
        self.assertTrue(self.officials_inline(self.olivia).has_add_permission)
        found = self.find_user(self.olivia, "rit")
        self.assertEqual([result["text"] for result in found.json()["results"]], ["rita"])

    def test_rita_may_not_set_race_officials(self):
        self.assertIsNone(self.officials_inline(self.rita))
        self.assertEqual(self.find_user(self.rita, "oli").status_code, 403)


class RoleGroupsTest(TestCase):
    def test_the_migrations_give_each_group_exactly_what_its_role_lists(self):
        for name, listed in ROLE_PERMISSIONS.items():
            with self.subTest(role=name):
                group = Group.objects.get(name=name)
                granted = set(group.permissions.values_list("content_type__app_label", "codename"))
                self.assertEqual(granted, set(listed))

    def test_create_role_groups_finds_every_permission_and_changes_nothing_more(self):
        before = {g.name: set(g.permissions.all()) for g in Group.objects.all()}
        outcome = run("create_role_groups")
        self.assertTrue(outcome.ok, outcome.stderr)
        self.assertEqual({g.name: set(g.permissions.all()) for g in Group.objects.all()}, before)
