"""A team captain, Chandra, registers a team on the public form and gets the team's bib."""

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from races.models import AuditEntry, Race, Team
from races.services import race_import
from tests.race_payloads import KL_EKIDEN

RACE = KL_EKIDEN

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


def registration_post(race: Race, *, name="Harimau Striders", category="MX", runners=None) -> dict:
    runners = RUNNERS if runners is None else runners
    data = {
        "name": name,
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


class RegistrationTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race, _ = race_import(payload=RACE)
        Race.objects.filter(pk=cls.race.pk).update(registration_open=True)
        cls.race.refresh_from_db()
        cls.url = reverse("races:register", kwargs={"slug": cls.race.slug})

    def setUp(self):
        cache.clear()

    def chandra_registers(self, **kwargs):
        return self.client.post(self.url, registration_post(self.race, **kwargs), follow=True)

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
        self.assertContains(response, "Please submit at least 3 forms.")
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

    def test_a_closed_race_says_so_politely(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "Registration for this race is closed", status_code=403)
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
