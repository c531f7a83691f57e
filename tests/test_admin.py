"""The organisers' admin: Olivia sets the race up, imports the entries and fixes a team by hand."""

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from races.audit import Actor
from races.models import AuditEntry, Category, Race, Runner, Team
from races.services import entries_import, race_import
from results.timing.models import TimingRecord
from results.timing.services import timing_import
from tests.race_payloads import KL_EKIDEN, KL_ENTRIES, KL_TIMING

RACE = KL_EKIDEN


class AdminTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.olivia = get_user_model().objects.create_superuser(
            "olivia", "olivia@example.org", "tasuki-organiser"
        )
        cls.race, _ = race_import(payload=RACE)
        entries_import(race=cls.race, raw=KL_ENTRIES.encode(), filename="entries.csv", actor=Actor("olivia"))
        timing_import(race=cls.race, raw=KL_TIMING, filename="r1.csv")

    def setUp(self):
        cache.clear()
        self.client.force_login(self.olivia)

    def team(self, bib: str) -> Team:
        return Team.objects.get(race=self.race, bib=bib)

    def team_change_post(
        self, team: Team, runner_changes: dict[int, dict] | None = None, **team_changes
    ) -> dict:
        """The team's change form as the browser would send it back, with some fields changed."""
        data = {
            "bib": team.bib,
            "name": team.name,
            "category": str(team.category_id),
            "club": team.club,
            "official_status": team.official_status,
            "status_reason": team.status_reason,
            **team_changes,
        }
        runners = list(team.runners.order_by("leg"))
        data.update(
            {
                "runners-TOTAL_FORMS": str(len(runners)),
                "runners-INITIAL_FORMS": str(len(runners)),
                "runners-MIN_NUM_FORMS": "0",
                "runners-MAX_NUM_FORMS": "1000",
            }
        )
        for i, runner in enumerate(runners):
            values = {
                "id": runner.pk,
                "team": team.pk,
                "leg": runner.leg,
                "name": runner.name,
                "gender": runner.gender,
                "birth_date": runner.birth_date.isoformat(),
                "club": runner.club,
                "runner_bib": runner.runner_bib,
                "chip_id": runner.chip_id,
                "nationality": runner.nationality,
                **(runner_changes or {}).get(runner.leg, {}),
            }
            data.update({f"runners-{i}-{key}": value for key, value in values.items()})
        return data

    def team_url(self, team: Team) -> str:
        return reverse("admin:races_team_change", args=[team.pk])


class AdminPagesTest(AdminTestCase):
    def test_every_changelist_renders(self):
        for name in (
            "races_race",
            "races_team",
            "races_category",
            "races_runner",
            "races_auditentry",
            "results_timingrecord",
        ):
            with self.subTest(name=name):
                response = self.client.get(reverse(f"admin:{name}_changelist"))
                self.assertEqual(response.status_code, 200)

    def test_race_change_form_has_stations_and_categories_in_course_order(self):
        response = self.client.get(reverse("admin:races_race_change", args=[self.race.pk]))
        self.assertEqual(response.status_code, 200)
        stations, categories, _officials = response.context["inline_admin_formsets"]
        codes = [form.original.code for form in stations]
        self.assertEqual(codes, ["START", "R1", "R2", "FINISH"])
        self.assertEqual([f.original.code for f in categories if f.original], ["MO", "MX", "MXS"])
        self.assertContains(response, reverse("admin:races_race_import_entries", args=[self.race.pk]))

    def test_the_course_of_a_race_with_teams_is_read_only_here(self):
        response = self.client.get(reverse("admin:races_race_change", args=[self.race.pk]))
        stations = response.context["inline_admin_formsets"][0]
        self.assertFalse(stations.has_add_permission)
        self.assertIn("code", stations.readonly_fields)

    def test_team_change_form_lists_one_runner_per_leg(self):
        response = self.client.get(self.team_url(self.team("101")))
        self.assertEqual(response.status_code, 200)
        (runners,) = response.context["inline_admin_formsets"]
        self.assertEqual([f.original.leg for f in runners if f.original], [1, 2, 3])
        self.assertContains(response, "Lakshmi Menon")

    def test_team_search_finds_bib_team_runner_runner_bib_and_chip(self):
        url = reverse("admin:races_team_changelist")
        for query in ("102", "harimau", "Rajesh", "101-3", "CHIP1022", "佐藤"):
            with self.subTest(query=query):
                response = self.client.get(url, {"q": query})
                found = [team.bib for team in response.context["cl"].result_list]
                self.assertEqual(len(found), 1, found)

    def test_a_search_matching_several_runners_still_counts_each_runner_once(self):
        # "in" matches two runners of 101 (Tan Wei Ming, Siti Aminah binti Ibrahim) and one of 102.
        response = self.client.get(reverse("admin:races_team_changelist"), {"q": "in"})
        counts = {team.bib: team.runners_total for team in response.context["cl"].result_list}
        self.assertEqual(counts, {"101": 3, "102": 3})
        self.assertContains(response, '<td class="field-runner_count">3</td>', count=2)

    def test_team_list_filters_by_race_category_and_status(self):
        url = reverse("admin:races_team_changelist")
        mo = Category.objects.get(race=self.race, code="MO")
        response = self.client.get(url, {"race__id__exact": self.race.pk, "category": mo.pk})
        self.assertEqual([t.bib for t in response.context["cl"].result_list], ["102"])
        self.assertContains(response, "Men Open")
        response = self.client.get(url, {"official_status__exact": "DQ"})
        self.assertEqual(list(response.context["cl"].result_list), [])

    def test_timing_records_can_be_searched_but_not_changed(self):
        url = reverse("admin:results_timingrecord_changelist")
        response = self.client.get(url, {"q": "CHIP1022"})
        self.assertEqual(len(response.context["cl"].result_list), 1)
        self.assertContains(response, "07:01:30.000")
        record = TimingRecord.objects.first()
        self.assertEqual(self.client.get(reverse("admin:results_timingrecord_add")).status_code, 403)
        self.assertEqual(
            self.client.get(reverse("admin:results_timingrecord_delete", args=[record.pk])).status_code, 403
        )
        change = self.client.post(
            reverse("admin:results_timingrecord_change", args=[record.pk]), {"voided": "on"}
        )
        self.assertEqual(change.status_code, 403)
        record.refresh_from_db()
        self.assertFalse(record.voided)

    def test_the_audit_trail_is_read_only(self):
        entry = AuditEntry.objects.filter(action=AuditEntry.Action.ENTRIES_IMPORTED).get()
        self.assertEqual(self.client.get(reverse("admin:races_auditentry_add")).status_code, 403)
        view = self.client.get(reverse("admin:races_auditentry_change", args=[entry.pk]))
        self.assertEqual(view.status_code, 200)
        self.assertNotContains(view, 'name="_save"')
        delete = self.client.post(reverse("admin:races_auditentry_delete", args=[entry.pk]), {"post": "yes"})
        self.assertEqual(delete.status_code, 403)
        self.assertTrue(AuditEntry.objects.filter(pk=entry.pk).exists())

    def test_a_spectator_cannot_open_the_admin(self):
        self.client.logout()
        response = self.client.get(reverse("admin:races_team_changelist"))
        self.assertEqual(response.status_code, 302)
        response = self.client.get(reverse("admin:races_race_import_entries", args=[self.race.pk]))
        self.assertEqual(response.status_code, 302)


class EntriesUploadTest(AdminTestCase):
    def upload(self, content: str, name: str = "late-entries.csv"):
        url = reverse("admin:races_race_import_entries", args=[self.race.pk])
        return self.client.post(url, {"file": SimpleUploadedFile(name, content.encode())}, follow=True)

    def test_the_upload_page_renders(self):
        response = self.client.get(reverse("admin:races_race_import_entries", args=[self.race.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Import entries into KL Ekiden")

    def test_a_good_file_is_imported_and_summarised(self):
        late = (
            "team_bib,team_name,category,leg,runner_name,gender,birth_date\n"
            "103,Kobayashi & Friends,MXS,1,Nur Aisyah binti Yusof,F,1970-07-29\n"
            "103,Kobayashi & Friends,MXS,2,Lim Mei Ling,F,1968-02-29\n"
            "103,Kobayashi & Friends,MXS,3,Rajesh Kumar,M,1965-05-05\n"
        )
        response = self.upload(late)
        self.assertRedirects(response, reverse("admin:races_race_change", args=[self.race.pk]))
        self.assertContains(
            response, "Entries imported from late-entries.csv: 1 teams created, 0 updated; 3 runners created"
        )
        self.assertEqual(self.team("103").runners.count(), 3)
        self.assertTrue(
            AuditEntry.objects.filter(
                actor="olivia", details__file="late-entries.csv", user=self.olivia
            ).exists()
        )

    def test_a_bad_file_lists_every_problem_and_stores_nothing(self):
        bad = (
            "team_bib,team_name,category,leg,runner_name,gender,birth_date\n"
            "104,Too Young,MXS,1,Aiman,M,2001-01-01\n"
            "104,Too Young,MXS,2,Mei,F,1960-01-01\n"
            "104,Too Young,MXS,3,Ravi,Q,1960-01-01\n"
            "105,Lost Leg,XX,1,Deepa Rao,F,1960-13-01\n"
        )
        response = self.upload(bad)
        self.assertEqual(response.status_code, 200)
        problems = response.context["problems"]
        self.assertEqual(len(problems), 3)
        for problem in (
            "line 4, gender: &#x27;Q&#x27; is not a gender; use F, M or X.",
            "line 5, category: &#x27;XX&#x27; is not a category of this race; use one of MO, MX, MXS.",
            "line 5, birth_date: &#x27;1960-13-01&#x27; is not a date",
        ):
            self.assertContains(response, problem)
        self.assertContains(response, "Nothing was stored")
        self.assertFalse(Team.objects.filter(bib__in=["104", "105"]).exists())

    def test_a_team_breaking_its_category_is_refused_with_the_rule(self):
        bad = (
            "team_bib,team_name,category,leg,runner_name,gender,birth_date\n"
            "104,Too Young,MXS,1,Aiman,M,2001-01-01\n"
            "104,Too Young,MXS,2,Mei,F,1960-01-01\n"
            "104,Too Young,MXS,3,Ravi,M,1960-01-01\n"
        )
        response = self.upload(bad)
        self.assertContains(
            response,
            "team 104: category MXS (Mixed Senior) needs every runner to be at least 40 on race day "
            "(2025-11-23); leg 1 runner Aiman will be 24.",
        )
        self.assertFalse(Team.objects.filter(bib="104").exists())

    def test_a_file_that_is_not_utf8_is_explained(self):
        url = reverse("admin:races_race_import_entries", args=[self.race.pk])
        raw = "team_bib,team_name\n101,Caf\xe9\n".encode("latin-1")
        response = self.client.post(url, {"file": SimpleUploadedFile("excel.csv", raw)})
        self.assertContains(response, "is not UTF-8 text")


class TimingUploadTest(AdminTestCase):
    def upload(self, content: str):
        url = reverse("admin:races_race_import_timing", args=[self.race.pk])
        return self.client.post(
            url, {"file": SimpleUploadedFile("r1-chips.csv", content.encode())}, follow=True
        )

    def test_a_chip_file_is_imported_once(self):
        before = TimingRecord.objects.filter(race=self.race).count()
        reads = "bib,station,time,source,read_id\n101,R1,07:00:00.250,chip,R1-1\n102,R1,07:01:00,chip,R1-2\n"
        response = self.upload(reads)
        self.assertContains(
            response, "Timing imported from r1-chips.csv: 2 timing records added, 0 already stored."
        )
        response = self.upload(reads)
        self.assertContains(response, "0 timing records added, 2 already stored.")
        self.assertEqual(TimingRecord.objects.filter(race=self.race).count(), before + 2)

    def test_a_bad_line_stores_nothing_and_says_where(self):
        before = TimingRecord.objects.filter(race=self.race).count()
        response = self.upload("bib,station,time\n101,R1,07:00:00\n999,R1,07:01:00\n")
        self.assertContains(response, "line 3, bib: &#x27;999&#x27; is not a team bib, runner bib or chip id")
        self.assertContains(response, "Nothing was stored")
        self.assertEqual(TimingRecord.objects.filter(race=self.race).count(), before)


class UploadLimitsTest(AdminTestCase):
    """A huge or very wrong file gets a short, clear answer, and nothing is stored."""

    READS = "bib,station,time,source,read_id\n101,R2,07:40:00,chip,R2-1\n102,R2,07:41:00,chip,R2-2\n"

    def upload(self, kind: str, content: str, name: str = "r2-chips.csv"):
        url = reverse(f"admin:races_race_import_{kind}", args=[self.race.pk])
        return self.client.post(url, {"file": SimpleUploadedFile(name, content.encode())})

    def test_a_timing_file_over_the_limit_is_refused_with_its_size_and_the_limit(self):
        with self.settings(TASUKI_UPLOAD_MAX_BYTES=len(self.READS) - 1):
            response = self.upload("timing", self.READS)
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response,
            f"r2-chips.csv is {len(self.READS)}\xa0bytes; an upload may be at most {len(self.READS) - 1}\xa0bytes. "
            "Split it into smaller files, or run “manage.py import_timing” on the server",
        )
        self.assertFalse(TimingRecord.objects.filter(station__code="R2").exists())

    def test_a_timing_file_of_exactly_the_limit_is_imported(self):
        with self.settings(TASUKI_UPLOAD_MAX_BYTES=len(self.READS)):
            self.upload("timing", self.READS)
        self.assertEqual(TimingRecord.objects.filter(station__code="R2").count(), 2)

    def test_an_entries_file_over_the_limit_is_refused(self):
        late = "team_bib,team_name,category,leg,runner_name,gender,birth_date\n" + "".join(
            f"103,Late,MX,{leg},Runner {leg},F,1980-01-01\n" for leg in (1, 2, 3)
        )
        with self.settings(TASUKI_UPLOAD_MAX_BYTES=100):
            response = self.upload("entries", late, name="late.csv")
        self.assertContains(response, "an upload may be at most 100\xa0bytes")
        self.assertContains(response, "“manage.py import_entries”")
        self.assertFalse(Team.objects.filter(bib="103").exists())

    def test_a_file_with_thousands_of_bad_lines_shows_the_first_200_and_the_count(self):
        bad = "bib,station,time\n" + "999,R1,07:00:00\n" * 12_345
        response = self.upload("timing", bad)
        self.assertEqual(len(response.context["problems"]), 200)
        self.assertContains(response, "Showing the first 200 of 12,345 problems.")
        self.assertContains(response, "The file was not imported: 12,345 problems.")
        self.assertContains(response, "is not a team bib", count=200)
        self.assertEqual(TimingRecord.objects.filter(race=self.race).count(), 2)

    def test_a_short_list_of_problems_is_shown_whole(self):
        response = self.upload("timing", "bib,station,time\n999,R1,07:00:00\n998,R1,07:00:00\n")
        self.assertEqual(len(response.context["problems"]), 2)
        self.assertNotContains(response, "Showing the first")


class SplitCorrectionTest(AdminTestCase):
    def act(self, action: str, records, reason: str | None = None):
        data = {"action": action, "_selected_action": [r.pk for r in records]}
        if reason is not None:
            data["reason"] = reason
        return self.client.post(reverse("admin:results_timingrecord_changelist"), data, follow=True)

    def test_voiding_asks_why_then_voids_with_an_audit_entry(self):
        record = TimingRecord.objects.filter(race=self.race).first()
        asked = self.act("void_records", [record])
        self.assertContains(asked, "The reason is kept in the audit trail")
        self.assertFalse(TimingRecord.objects.get(pk=record.pk).voided)

        done = self.act("void_records", [record], reason="chip read by a spectator")
        self.assertContains(done, "Void splits: 1 done.")
        record.refresh_from_db()
        self.assertEqual(
            (record.voided, record.void_reason, record.voided_by),
            (True, "chip read by a spectator", self.olivia),
        )
        entry = AuditEntry.objects.get(action=AuditEntry.Action.TIMING_VOIDED)
        self.assertEqual((entry.actor, entry.reason), ("olivia", "chip read by a spectator"))

        restored = self.act("restore_records", [record], reason="video shows the runner")
        self.assertContains(restored, "Restore splits: 1 done.")
        self.assertFalse(TimingRecord.objects.get(pk=record.pk).voided)

    def test_restoring_a_split_that_is_not_voided_says_so(self):
        record = TimingRecord.objects.filter(race=self.race).first()
        response = self.act("restore_records", [record], reason="just in case")
        self.assertContains(response, "this split is not voided.")


class TeamSavedByHandTest(AdminTestCase):
    def test_an_eligible_change_is_saved_and_moves_the_standings(self):
        team = self.team("101")
        version = Race.objects.get(pk=self.race.pk).standings_version
        data = self.team_change_post(team, {2: {"name": "Tan Wei Ming Jr"}}, name="Harimau Striders A")
        response = self.client.post(self.team_url(team), data)
        self.assertRedirects(response, reverse("admin:races_team_changelist"))
        team.refresh_from_db()
        self.assertEqual(team.name, "Harimau Striders A")
        self.assertEqual(team.runners.get(leg=2).name, "Tan Wei Ming Jr")
        self.assertGreater(Race.objects.get(pk=self.race.pk).standings_version, version)

    def test_an_ineligible_team_is_rejected_with_the_rules_message(self):
        team = self.team("101")
        mo = Category.objects.get(race=self.race, code="MO")
        response = self.client.post(self.team_url(team), self.team_change_post(team, category=str(mo.pk)))
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response, "team 101: category MO (Men Open) needs at least 3 men; the team has 1."
        )
        team.refresh_from_db()
        self.assertEqual(team.category.code, "MX")

    def test_a_runner_change_that_breaks_the_category_is_rejected(self):
        team = self.team("102")
        response = self.client.post(self.team_url(team), self.team_change_post(team, {3: {"gender": "F"}}))
        self.assertContains(
            response, "team 102: category MO (Men Open) needs at least 3 men; the team has 2."
        )
        self.assertEqual(team.runners.get(leg=3).gender, "M")

    def test_a_team_without_a_runner_for_every_leg_is_rejected(self):
        team = self.team("101")
        data = self.team_change_post(team, {3: {"DELETE": "on"}})
        response = self.client.post(self.team_url(team), data)
        self.assertContains(response, "team 101: no runner for leg 3")
        self.assertEqual(team.runners.count(), 3)

    def test_a_chip_of_another_team_is_refused_not_a_crash(self):
        team = self.team("101")
        response = self.client.post(
            self.team_url(team), self.team_change_post(team, {1: {"chip_id": "CHIP1021"}})
        )
        self.assertContains(
            response,
            "leg 1, chip_id: CHIP1021 is already used by team 102 leg 1; timing reads would be ambiguous.",
        )

    def test_two_runners_can_swap_legs(self):
        team = self.team("101")
        changes = {1: {"leg": 2}, 2: {"leg": 1}}
        response = self.client.post(self.team_url(team), self.team_change_post(team, changes))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(team.runners.get(leg=1).name, "Tan Wei Ming")

    def test_a_new_team_is_added_with_its_runners(self):
        mx = Category.objects.get(race=self.race, code="MX")
        runners = [("Aishah", "F"), ("Ganesh", "M"), ("Mei Ling", "F")]
        data = {
            "race": str(self.race.pk),
            "bib": "150",
            "name": "Late Entry",
            "category": str(mx.pk),
            "official_status": "",
            "runners-TOTAL_FORMS": "3",
            "runners-INITIAL_FORMS": "0",
            "runners-MIN_NUM_FORMS": "0",
            "runners-MAX_NUM_FORMS": "1000",
        }
        for i, (name, gender) in enumerate(runners):
            data.update(
                {
                    f"runners-{i}-leg": str(i + 1),
                    f"runners-{i}-name": name,
                    f"runners-{i}-gender": gender,
                    f"runners-{i}-birth_date": "1990-01-01",
                }
            )
        response = self.client.post(reverse("admin:races_team_add"), data)
        self.assertEqual(response.status_code, 302, response.context and response.context["errors"])
        team = self.team("150")
        self.assertEqual(list(team.runners.values_list("race_id", flat=True)), [self.race.pk] * 3)

    def test_a_status_set_here_goes_to_the_audit_trail(self):
        team = self.team("102")
        data = self.team_change_post(team, official_status="DQ", status_reason="cut the course at R1")
        response = self.client.post(self.team_url(team), data)
        self.assertEqual(response.status_code, 302)
        team.refresh_from_db()
        self.assertEqual(team.official_status, "DQ")
        entry = AuditEntry.objects.get(team=team, action=AuditEntry.Action.TEAM_STATUS)
        self.assertEqual(
            (entry.actor, entry.reason, entry.user), ("olivia", "cut the course at R1", self.olivia)
        )

    def test_a_runner_edit_on_its_own_is_checked_too(self):
        runner = Runner.objects.get(team__bib="102", leg=1)
        url = reverse("admin:races_runner_change", args=[runner.pk])
        data = {
            "name": runner.name,
            "gender": "F",
            "birth_date": runner.birth_date.isoformat(),
            "club": "",
            "runner_bib": runner.runner_bib,
            "chip_id": runner.chip_id,
            "nationality": "",
        }
        response = self.client.post(url, data)
        self.assertContains(response, "needs at least 3 men; the team has 2.")
        runner.refresh_from_db()
        self.assertEqual(runner.gender, "M")

    def test_a_category_rule_that_would_exclude_a_registered_team_is_refused(self):
        mx = Category.objects.get(race=self.race, code="MX")
        url = reverse("admin:races_category_change", args=[mx.pk])
        data = {
            "race": str(self.race.pk),
            "code": "MX",
            "name": "Mixed Open",
            "min_women": "3",
            "min_men": "1",
        }
        response = self.client.post(url, data)
        self.assertContains(
            response, "team 101: category MX (Mixed Open) needs at least 3 women; the team has 2."
        )
        mx.refresh_from_db()
        self.assertEqual(mx.min_women, 1)
