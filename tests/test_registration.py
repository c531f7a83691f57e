"""A team captain, Chandra, registers a team on the public form and gets the team's bib."""

from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DatabaseError
from django.test import RequestFactory, TestCase, override_settings
from django.urls import reverse

from ekiden.throttle import client_address
from races.audit import Actor
from races.models import AuditEntry, Race, RegistrationClosed, Runner, Team
from races.problems import InputProblems
from races.services import entries_import, race_close, race_import, team_register
from tests.race_payloads import KL_EKIDEN

RACE = KL_EKIDEN
KL = ZoneInfo("Asia/Kuala_Lumpur")
# The race is on 23 November 2025, gun 06:30 in Kuala Lumpur; Chandra registers three weeks before.
WEEKS_BEFORE = datetime(2025, 11, 2, 20, 0, tzinfo=KL)
GUN = datetime(2025, 11, 23, 6, 30, tzinfo=KL)


def clock_at(moment: datetime):
    """Django's clock stopped at `moment`: the registration window is read from it."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


RUNNERS = [
    {
        "name": "Chandra Devi",
        "gender": "F",
        "birth_date": "1980-03-14",
        "club": "KL Harriers",
        "nationality": "my",
    },
    {"name": "Tan Wei Ming", "gender": "M", "birth_date": "1978-07-01", "club": "", "nationality": ""},
    {"name": "佐藤 健", "gender": "M", "birth_date": "1985-12-24", "club": "", "nationality": "JP"},
]


def registration_post(
    race: Race, *, name="Harimau Striders", category="MX", runners=None, captain_phone=""
) -> dict:
    runners = RUNNERS if runners is None else runners
    data = {
        "name": name,
        "captain_phone": captain_phone,
        "category": str(race.categories.get(code=category).pk) if category else "",
        "runner-TOTAL_FORMS": str(len(runners)),
        "runner-INITIAL_FORMS": "0",
        "runner-MIN_NUM_FORMS": "3",
        "runner-MAX_NUM_FORMS": "3",
    }
    for i, runner in enumerate(runners):
        for key, value in runner.items():
            data[f"runner-{i}-{key}"] = value
    return data


class OpenRegistrationTestCase(TestCase):
    """A race taking entries, its form, and Chandra, a team captain, weeks before the race."""

    @classmethod
    def setUpTestData(cls):
        cls.race, _ = race_import(payload=RACE)
        Race.objects.filter(pk=cls.race.pk).update(registration_open=True)
        cls.race.refresh_from_db()
        cls.url = reverse("races:register", kwargs={"slug": cls.race.slug})

    def setUp(self):
        cache.clear()
        self.enterContext(clock_at(WEEKS_BEFORE))

    def chandra_registers(self, **kwargs):
        return self.client.post(self.url, registration_post(self.race, **kwargs), follow=True)


class RegistrationTest(OpenRegistrationTestCase):
    def test_the_form_asks_for_one_runner_per_leg(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["runner_forms"].forms), 3)
        self.assertContains(response, "Leg 3 runner")
        self.assertContains(response, "Mixed Senior")
        self.assertContains(response, "every runner 40 or older on race day")
        self.assertContains(response, "csrfmiddlewaretoken")

    def test_a_team_gets_the_next_free_bib(self):
        response = self.chandra_registers()
        self.assertContains(response, "Your team is registered")
        self.assertContains(response, '<p class="bib">101</p>', html=True)
        team = Team.objects.get(race=self.race, bib="101")
        self.assertEqual(team.name, "Harimau Striders")
        self.assertEqual(
            list(team.runners.values_list("leg", "name", "gender", "nationality")),
            [(1, "Chandra Devi", "F", "MY"), (2, "Tan Wei Ming", "M", ""), (3, "佐藤 健", "M", "JP")],
        )
        self.assertTrue(AuditEntry.objects.filter(team=team, actor="registration form").exists())

        second = self.chandra_registers(name="Harimau Striders 2")
        self.assertContains(second, '<p class="bib">102</p>', html=True)

    def test_the_captains_phone_is_kept_for_race_control_and_never_shown(self):
        response = self.chandra_registers(captain_phone="+60 12-345 6789")
        self.assertContains(response, "Your team is registered")
        self.assertNotContains(response, "345 6789")
        team = Team.objects.get(race=self.race, bib="101")
        self.assertEqual(team.captain_phone, "+60 12-345 6789")
        self.assertNotContains(self.client.get(team.get_absolute_url()), "345 6789")

    def test_a_captains_phone_that_is_no_number_is_refused_beside_its_field(self):
        response = self.chandra_registers(captain_phone="call Chandra")
        self.assertContains(response, "digits, spaces and dashes only")
        self.assertFalse(Team.objects.filter(race=self.race).exists())

    def test_a_registration_whose_audit_entry_fails_leaves_no_team_behind(self):
        # The team, its runners and its audit entry are one change: a team the trail cannot
        # account for would hold a bib, and Chandra, told it failed, would register it again.
        runners = [{**r, "birth_date": date.fromisoformat(r["birth_date"])} for r in RUNNERS]
        with (
            mock.patch(
                "races.models.AuditEntry.objects.create",
                side_effect=DatabaseError("the audit table is out of space"),
            ),
            self.assertRaises(DatabaseError),
        ):
            team_register(
                race=self.race,
                name="Harimau Striders",
                category=self.race.categories.get(code="MX"),
                runners=runners,
                actor=Actor.registration_form(),
            )
        self.assertFalse(Team.objects.filter(race=self.race).exists())
        self.assertFalse(Runner.objects.filter(team__race=self.race).exists())

    def test_success_redirects_so_a_reload_does_not_register_twice(self):
        response = self.client.post(self.url, registration_post(self.race))
        self.assertRedirects(
            response, reverse("races:registered", kwargs={"slug": "kl-ekiden", "bib": "101"})
        )
        self.assertEqual(Team.objects.filter(race=self.race).count(), 1)

    def test_an_ineligible_team_is_told_why_and_nothing_is_stored(self):
        response = self.chandra_registers(category="MXS")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "The team cannot be registered yet")
        self.assertContains(
            response,
            "category MXS (Mixed Senior) needs every runner to be at least 40 on race day (2025-11-23); "
            "leg 3 runner 佐藤 健 will be 39.",
        )
        self.assertContains(response, "Harimau Striders")  # the form keeps what was typed
        self.assertFalse(Team.objects.filter(race=self.race).exists())

    def test_every_broken_rule_is_listed(self):
        response = self.chandra_registers(category="MO")
        self.assertContains(response, "category MO (Men Open) needs at least 3 men; the team has 2.")
        self.assertFalse(Team.objects.exists())

    def test_a_missing_runner_is_pointed_out_on_that_leg(self):
        runners = [*RUNNERS[:2], {"name": "", "gender": "", "birth_date": "", "club": "", "nationality": ""}]
        response = self.chandra_registers(runners=runners)
        errors = response.context["runner_forms"].errors
        self.assertEqual(errors[0], {})
        self.assertIn("name", errors[2])
        self.assertIn("birth_date", errors[2])
        self.assertFalse(Team.objects.exists())

    def test_a_form_with_too_few_legs_is_refused(self):
        response = self.chandra_registers(runners=RUNNERS[:2])
        # Plain words for a captain, not Django's "Please submit at least 3 forms." (issue 16).
        self.assertContains(response, "Every leg needs its runner")
        self.assertNotContains(response, "Please submit at least")
        self.assertFalse(Team.objects.exists())

    def test_a_birth_date_on_or_after_race_day_is_a_typo(self):
        runners = [*RUNNERS[:2], {**RUNNERS[2], "birth_date": "2025-11-23"}]
        response = self.chandra_registers(runners=runners)
        self.assertContains(response, "is not before the race date; check the year.")
        self.assertFalse(Team.objects.exists())

    def test_a_category_of_another_race_is_refused(self):
        other, _ = race_import(payload={**RACE, "slug": "other-race"})
        data = registration_post(self.race)
        data["category"] = str(other.categories.get(code="MX").pk)
        response = self.client.post(self.url, data)
        self.assertIn("category", response.context["team_form"].errors)
        self.assertFalse(Team.objects.exists())

    def test_a_broken_management_form_is_an_error_not_a_crash(self):
        data = registration_post(self.race)
        del data["runner-TOTAL_FORMS"]
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Team.objects.exists())


class ClosedRegistrationTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race, _ = race_import(payload=RACE)  # registration is closed by default
        cls.url = reverse("races:register", kwargs={"slug": cls.race.slug})

    def setUp(self):
        cache.clear()
        self.enterContext(clock_at(WEEKS_BEFORE))

    def test_a_closed_race_says_so_politely(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "Registration for this race is closed", status_code=403)
        self.assertContains(response, "not taking new teams at the moment", status_code=403)
        self.assertTemplateUsed(response, "races/registration_closed.html")

    def test_posting_to_a_closed_race_stores_nothing(self):
        response = self.client.post(self.url, registration_post(self.race))
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Team.objects.exists())

    def test_an_unknown_race_is_not_found(self):
        response = self.client.get(reverse("races:register", kwargs={"slug": "no-such-race"}))
        self.assertEqual(response.status_code, 404)

    def test_the_race_list_offers_registration_only_when_open(self):
        self.assertNotContains(self.client.get(reverse("races:list")), self.url)
        Race.objects.filter(pk=self.race.pk).update(registration_open=True)
        self.assertContains(self.client.get(reverse("races:list")), self.url)


class RegistrationWindowTest(OpenRegistrationTestCase):
    """The form closes by itself: at the race's closing, at the gun, at the organisers' deadline."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.standings_url = reverse("results:standings", kwargs={"slug": cls.race.slug})

    def setUp(self):
        cache.clear()  # each test sets its own clock

    def set_deadline(self, moment: datetime | None) -> None:
        Race.objects.filter(pk=self.race.pk).update(registration_closes_at=moment)
        self.race.refresh_from_db()

    def chandra_sends_the_form_at(self, moment: datetime):
        with clock_at(moment):
            return self.client.post(self.url, registration_post(self.race))

    def test_the_form_is_open_until_the_gun_and_closed_from_it(self):
        self.assertIsNone(self.race.registration_closed_because(GUN - timedelta(seconds=1)))
        self.assertEqual(self.race.registration_closed_because(GUN), RegistrationClosed.RACE_STARTED)
        self.assertEqual(
            self.race.registration_closed_because(GUN + timedelta(days=2)), RegistrationClosed.RACE_STARTED
        )

    def test_the_most_final_reason_is_given(self):
        self.set_deadline(datetime(2025, 11, 20, 23, 59, tzinfo=KL))
        self.assertEqual(self.race.registration_closed_because(GUN), RegistrationClosed.RACE_STARTED)
        self.race.is_closed = True
        self.assertEqual(self.race.registration_closed_because(GUN), RegistrationClosed.RACE_CLOSED)

    def test_after_race_day_the_page_says_the_race_has_started(self):
        response = self.chandra_sends_the_form_at(GUN + timedelta(days=1))
        self.assertContains(
            response,
            "Entries closed at the start gun, 23 November 2025, 06:30 (Asia/Kuala_Lumpur time).",
            status_code=403,
        )
        self.assertFalse(Team.objects.exists())

    def test_past_the_deadline_the_page_gives_it_in_the_races_time(self):
        self.set_deadline(datetime(2025, 11, 20, 15, 59, tzinfo=ZoneInfo("UTC")))
        response = self.chandra_sends_the_form_at(datetime(2025, 11, 21, 0, 0, tzinfo=KL))
        self.assertContains(
            response,
            "The deadline for entries was 20 November 2025, 23:59 (Asia/Kuala_Lumpur time).",
            status_code=403,
        )
        self.assertFalse(Team.objects.exists())

    def test_a_closed_race_takes_no_teams_even_weeks_before_the_gun(self):
        race_close(race=self.race, actor=Actor("olivia"))
        response = self.chandra_sends_the_form_at(WEEKS_BEFORE)
        self.assertContains(response, "results are final", status_code=403)
        self.assertFalse(Team.objects.exists())

    def test_a_form_sent_after_the_deadline_it_was_opened_before_is_refused(self):
        self.set_deadline(WEEKS_BEFORE + timedelta(minutes=5))
        with self.assertRaises(InputProblems) as refusal:
            team_register(
                race=self.race,
                name="Harimau Striders",
                category=self.race.categories.get(code="MX"),
                runners=[],
                actor=Actor.registration_form(),
                now=WEEKS_BEFORE + timedelta(minutes=6),
            )
        self.assertIn("Registration is closed. The deadline for entries", str(refusal.exception.problems[0]))

    def test_the_form_shows_when_entries_close(self):
        with clock_at(WEEKS_BEFORE):
            response = self.client.get(self.url)
        self.assertContains(response, "Entries close on 23 November 2025, 06:30 (Asia/Kuala_Lumpur time).")
        self.set_deadline(datetime(2025, 11, 20, 23, 59, tzinfo=KL))
        with clock_at(WEEKS_BEFORE):
            response = self.client.get(self.url)
        self.assertContains(response, "Entries close on 20 November 2025, 23:59 (Asia/Kuala_Lumpur time).")

    def test_the_standings_and_the_race_list_offer_the_form_only_while_it_is_open(self):
        for moment, offered in ((WEEKS_BEFORE, True), (GUN, False)):
            with self.subTest(moment=moment), clock_at(moment):
                for page in (self.standings_url, reverse("races:list")):
                    body = self.client.get(page).content.decode()
                    self.assertEqual(self.url in body, offered, page)
        race_close(race=self.race, actor=Actor("olivia"))
        with clock_at(WEEKS_BEFORE):
            self.assertNotContains(self.client.get(self.standings_url), "Register a team")


class RegistrationDeadlineAdminTest(TestCase):
    """Olivia, the organiser, sets the deadline in the admin in Kuala Lumpur time."""

    @classmethod
    def setUpTestData(cls):
        cls.olivia = get_user_model().objects.create_superuser("olivia", "olivia@example.org", "pw-olivia")
        cls.race, _ = race_import(payload=RACE)
        cls.url = reverse("admin:races_race_change", args=[cls.race.pk])

    def setUp(self):
        cache.clear()
        self.client.force_login(self.olivia)

    def race_form(self, **changes) -> dict:
        data = {
            "name": self.race.name,
            "slug": self.race.slug,
            "date": "2025-11-23",
            "timezone": "Asia/Kuala_Lumpur",
            "start_time": "06:30:00",
            "kuriage_minutes": "20",
            "overdue_margin_minutes": "10",
            "protest_window_minutes": "30",
            "results_language": "en",
            "registration_open": "on",
            "registration_closes_at_0": "",
            "registration_closes_at_1": "",
            **changes,
        }
        # Every inline of the page (stations, categories, officials...) sent back with no rows.
        for inline in self.client.get(self.url).context["inline_admin_formsets"]:
            prefix = inline.formset.prefix
            data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
        return data

    def test_the_deadline_is_typed_and_shown_in_the_races_time_zone(self):
        data = self.race_form(registration_closes_at_0="2025-11-20", registration_closes_at_1="23:59:00")
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 302, response.context and response.context["errors"])
        self.race.refresh_from_db()
        self.assertEqual(self.race.registration_closes_at, datetime(2025, 11, 20, 23, 59, tzinfo=KL))
        self.assertContains(self.client.get(self.url), 'value="23:59:00"')

    def test_the_runner_changes_deadline_is_typed_in_the_races_time_zone_too(self):
        data = self.race_form(changes_deadline_0="2025-11-23", changes_deadline_1="05:45:00")
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 302, response.context and response.context["errors"])
        self.race.refresh_from_db()
        self.assertEqual(self.race.changes_deadline, datetime(2025, 11, 23, 5, 45, tzinfo=KL))
        self.assertContains(self.client.get(self.url), 'value="05:45:00"')


@override_settings(TASUKI_REGISTRATION_RATE=(3, 60), TASUKI_TRUSTED_PROXIES=0)
class RegistrationRateLimitTest(OpenRegistrationTestCase):
    """A script sending the form in a loop is stopped after a few tries a minute."""

    def setUp(self):
        cache.clear()  # each send sets its own clock

    def send(self, name: str, *, at: datetime = WEEKS_BEFORE, address="203.0.113.7", **headers):
        with clock_at(at):
            data = registration_post(self.race, name=name)
            return self.client.post(self.url, data, REMOTE_ADDR=address, **headers)

    def test_the_fourth_form_in_a_minute_waits_and_is_not_stored(self):
        for n in range(3):
            self.assertEqual(self.send(f"Team {n}").status_code, 302)
        response = self.send("Team 3", at=WEEKS_BEFORE + timedelta(seconds=20))
        self.assertContains(response, "Please try again in 40 seconds.", status_code=429)
        self.assertEqual(response["Retry-After"], "40")
        self.assertEqual(Team.objects.count(), 3)

    def test_refused_forms_count_too(self):
        for _n in range(3):
            self.send("")  # a team name is required: refused, but sent
        self.assertEqual(self.send("Harimau Striders").status_code, 429)
        self.assertFalse(Team.objects.exists())

    def test_the_next_minute_starts_afresh_and_other_clients_are_not_held_up(self):
        for n in range(4):
            self.send(f"Team {n}")
        self.assertEqual(self.send("Team 5", address="198.51.100.2").status_code, 302)
        self.assertEqual(self.send("Team 6", at=WEEKS_BEFORE + timedelta(seconds=60)).status_code, 302)

    @override_settings(TASUKI_REGISTRATION_RATE=(1, 600))
    def test_the_rate_is_a_setting(self):
        self.send("Team 1")
        response = self.send("Team 2", at=WEEKS_BEFORE + timedelta(seconds=100))
        self.assertContains(response, "Please try again in 500 seconds.", status_code=429)

    def test_a_forged_forwarded_for_header_is_ignored_without_a_trusted_proxy(self):
        for n in range(3):
            self.send(f"Team {n}", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        self.assertEqual(self.send("Team 3", HTTP_X_FORWARDED_FOR="10.0.0.9").status_code, 429)

    def test_behind_a_trusted_proxy_the_address_it_saw_is_the_client(self):
        request = RequestFactory().post(
            self.url, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="forged, 203.0.113.7"
        )
        self.assertEqual(client_address(request), "10.0.0.1")
        with override_settings(TASUKI_TRUSTED_PROXIES=1):
            self.assertEqual(client_address(request), "203.0.113.7")
        with override_settings(TASUKI_TRUSTED_PROXIES=2):
            self.assertEqual(client_address(request), "forged")


class HoneypotTest(OpenRegistrationTestCase):
    """A script fills in every field, the hidden one too; a person never sees it."""

    def test_the_trap_is_out_of_sight_of_people_and_their_tools(self):
        response = self.client.get(self.url)
        self.assertContains(response, '<div class="visually-hidden" aria-hidden="true">')
        self.assertContains(
            response, '<input type="text" name="website" tabindex="-1" autocomplete="off" id="id_website">'
        )

    def test_a_filled_trap_stores_nothing_and_says_so_kindly(self):
        data = {**registration_post(self.race), "website": "http://cheap-watches.example"}
        response = self.client.post(self.url, data)
        self.assertContains(response, "If you are a person, reload the form", status_code=400)
        self.assertFalse(Team.objects.exists())

    def test_an_empty_trap_lets_the_team_through(self):
        data = {**registration_post(self.race), "website": ""}
        self.assertEqual(self.client.post(self.url, data).status_code, 302)


@override_settings(TASUKI_REGISTRATION_RATE=(100, 60))  # several forms a test; the limit is tested above
class NameAndAgeRulesTest(OpenRegistrationTestCase):
    """What Chandra types is cleaned; a name that shows as nothing, or as another team, is refused."""

    def with_runner(self, leg: int, **changes) -> list[dict]:
        runners = [dict(r) for r in RUNNERS]
        runners[leg - 1].update(changes)
        return runners

    def test_invisible_characters_are_removed_from_the_stored_names(self):
        runners = self.with_runner(2, name="‮Tan​  Wei Ming‬")
        self.chandra_registers(name="﻿Harimau‮ Striders⁦", runners=runners)
        team = Team.objects.get()
        self.assertEqual(team.name, "Harimau Striders")
        self.assertEqual(team.runners.get(leg=2).name, "Tan Wei Ming")

    def test_a_team_name_of_only_invisible_characters_is_refused(self):
        response = self.chandra_registers(name="​‮​")
        self.assertContains(response, "team name: empty once invisible characters and spaces are removed")
        self.assertFalse(Team.objects.exists())

    def test_a_runner_name_of_only_invisible_characters_is_refused_on_that_leg(self):
        response = self.chandra_registers(runners=self.with_runner(3, name="​⁦"))
        errors = response.context["runner_forms"].errors
        self.assertEqual(errors[2]["name"], ["Only invisible characters were typed; type the runner's name."])
        self.assertFalse(Team.objects.exists())

    def test_a_name_another_team_already_has_is_refused_naming_its_bib(self):
        self.chandra_registers(name="Harimau Striders")
        for same in ("HARIMAU  striders", "ＨＡＲＩＭＡＵ Striders", "Harimau​ Striders"):
            with self.subTest(same=same):
                response = self.chandra_registers(name=same)
                self.assertContains(response, "is already registered in this race as team 101")
                self.assertContains(response, "add your club, town or a number to the name")
        self.assertEqual(Team.objects.count(), 1)

    def test_a_runner_under_4_or_over_100_on_race_day_is_a_mistyped_year(self):
        for born, age in (("2021-11-24", 3), ("1924-11-22", 101)):
            with self.subTest(born=born):
                response = self.chandra_registers(runners=self.with_runner(1, birth_date=born))
                self.assertEqual(
                    response.context["runner_forms"].errors[0]["birth_date"],
                    [
                        f"{born} makes the runner {age} on race day (2025-11-23); runners must be 4 to "
                        "100. Check the year; for anyone outside these ages, ask the organisers."
                    ],
                )
        self.assertFalse(Team.objects.exists())

    def test_4_and_100_are_still_welcome(self):
        runners = self.with_runner(1, birth_date="2021-11-23")
        runners[1]["birth_date"] = "1925-11-23"
        self.assertContains(self.chandra_registers(runners=runners), "Your team is registered")

    def test_the_service_checks_the_age_bounds_too(self):
        runners = [{**r, "birth_date": date.fromisoformat(r["birth_date"])} for r in RUNNERS]
        runners[0]["birth_date"] = date(1900, 1, 1)
        with self.assertRaises(InputProblems) as refusal:
            team_register(
                race=self.race,
                name="Harimau Striders",
                category=self.race.categories.get(code="MX"),
                runners=runners,
                actor=Actor.registration_form(),
            )
        self.assertIn(
            "leg 1, birth date: 1900-01-01 makes the runner 125", str(refusal.exception.problems[0])
        )

    def test_the_entries_file_keeps_its_own_birth_date_rule(self):
        entries = (
            "team_bib,team_name,category,leg,runner_name,gender,birth_date\n"
            "201,Veterans,MX,1,Old Timer,F,1920-01-01\n"
            "201,Veterans,MX,2,Tan Wei Ming,M,1978-07-01\n"
            "201,Veterans,MX,3,Tiny,M,2023-01-01\n"
        )
        entries_import(race=self.race, raw=entries.encode(), filename="entries.csv")
        self.assertEqual(self.race.teams.get(bib="201").runners.count(), 3)
