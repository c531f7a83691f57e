"""The race's admin page: the "Registration open" box that cannot open the form, and a new race.

Root, a superuser, sets up the KL Ekiden. Ticking "Registration open" saves whatever the clock
says, but after the gun, after the deadline or once the race is closed the public form stays
shut: the page then warns why, and what would open it.
"""

from datetime import timedelta
from html.parser import HTMLParser

from django.contrib.auth import get_user_model
from django.contrib.messages import WARNING
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from races.models import Race
from races.services import race_import
from tests.race_payloads import KL_EKIDEN


class FormFields(HTMLParser):
    """The fields of the page's race form as a browser would send them back, unchanged."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "race_form":
            self._in_form = True
        if not self._in_form or ("name" not in attrs and tag != "option"):
            return
        if tag == "input" and attrs.get("type") not in ("file", "submit"):
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self.data[attrs["name"]] = attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")
        elif tag == "textarea":
            self.data[attrs["name"]] = ""
        elif tag == "select":
            self._select = attrs["name"]
            self.data.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "form":
            self._in_form = False


class RacePageTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.root = get_user_model().objects.create_superuser("root", password="x")
        cls.race, _ = race_import(payload=KL_EKIDEN)

    def setUp(self):
        self.client.force_login(self.root)
        self.url = reverse("admin:races_race_change", args=[self.race.pk])

    def save_with(self, **changes):
        fields = FormFields()
        fields.feed(self.client.get(self.url).content.decode())
        response = self.client.post(self.url, {**fields.data, **changes}, follow=True)
        self.assertRedirects(response, reverse("admin:races_race_changelist"))
        return response

    def warnings(self, response) -> list[str]:
        return [str(message) for message in response.context["messages"] if message.level == WARNING]

    def move_race_to(self, day) -> None:
        Race.objects.filter(pk=self.race.pk).update(date=day)


class RegistrationOpenWarningTest(RacePageTestCase):
    def test_ticked_after_the_gun_it_saves_and_warns_that_the_form_stays_closed(self):
        response = self.save_with(registration_open="on")  # the race was in November 2025
        self.race.refresh_from_db()
        self.assertTrue(self.race.registration_open)
        (warning,) = self.warnings(response)
        self.assertIn("“Registration open” is ticked, but the public form stays closed", warning)
        self.assertIn("Entries closed at the start gun, 23 November 2025, 06:30", warning)
        self.assertIn("Import entries (CSV)", warning)

    def test_ticked_before_the_gun_it_opens_the_form_and_warns_of_nothing(self):
        self.move_race_to((timezone.now() + timedelta(days=30)).date())
        response = self.save_with(registration_open="on")
        self.assertEqual(self.warnings(response), [])
        self.race.refresh_from_db()
        self.assertTrue(self.race.registration_is_open(timezone.now()))

    def test_ticked_after_the_deadline_it_says_to_move_the_deadline(self):
        day = (timezone.now() + timedelta(days=30)).date()
        self.move_race_to(day)
        yesterday = timezone.localtime(timezone.now() - timedelta(days=1), self.race.zone)
        response = self.save_with(
            registration_open="on",
            registration_closes_at_0=yesterday.date().isoformat(),
            registration_closes_at_1="12:00:00",
        )
        (warning,) = self.warnings(response)
        self.assertIn("The deadline for entries was", warning)
        self.assertIn("move “Registration closes at” later", warning)

    def test_left_unticked_nothing_is_said(self):
        response = self.save_with()
        self.assertEqual(self.warnings(response), [])

    def test_ticked_on_a_closed_race_it_says_the_race_is_closed(self):
        Race.objects.filter(pk=self.race.pk).update(is_closed=True)
        (warning,) = self.warnings(self.save_with(registration_open="on"))
        self.assertIn("The race is over and its results are final.", warning)


class NewRaceRowsTest(RacePageTestCase):
    def test_a_new_race_offers_four_stations_and_two_categories_to_fill(self):
        response = self.client.get(reverse("admin:races_race_add"))
        self.assertContains(response, 'name="stations-TOTAL_FORMS" value="4"')
        self.assertContains(response, 'name="categories-TOTAL_FORMS" value="2"')
        self.assertContains(response, 'name="stations-3-code"')

    def test_a_race_s_own_page_shows_only_its_rows(self):
        response = self.client.get(self.url)
        self.assertContains(response, 'name="stations-TOTAL_FORMS" value="4"')  # its four stations
        self.assertContains(response, 'name="stations-INITIAL_FORMS" value="4"')
        self.assertContains(response, 'name="categories-TOTAL_FORMS" value="3"')
        self.assertContains(response, 'name="categories-INITIAL_FORMS" value="3"')

    def test_rows_left_empty_on_a_new_race_are_not_saved(self):
        fields = FormFields()
        fields.feed(self.client.get(reverse("admin:races_race_add")).content.decode())
        data = {
            **fields.data,
            "name": "Putrajaya Ekiden",
            "slug": "putrajaya-ekiden",
            "date": "2027-03-07",
            "timezone": "Asia/Kuala_Lumpur",
            "start_time": "06:30:00",
            "stations-0-position": "0",
            "stations-0-code": "START",
            "stations-0-name": "Start",
            "stations-0-km": "0",
            "stations-1-position": "1",
            "stations-1-code": "FINISH",
            "stations-1-name": "Finish",
            "stations-1-km": "10",
            "categories-0-code": "MX",
            "categories-0-name": "Mixed",
        }
        response = self.client.post(reverse("admin:races_race_add"), data, follow=True)
        self.assertEqual(response.status_code, 200)
        race = Race.objects.get(slug="putrajaya-ekiden")
        self.assertEqual([s.code for s in race.course], ["START", "FINISH"])
        self.assertEqual(list(race.categories.values_list("code", flat=True)), ["MX"])
