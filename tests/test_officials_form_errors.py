"""A refused officials' form on a phone: its error beside its field, the cursor there, a summary.

Olivia organises the KL Ekiden. Each of her race-day forms, refused, comes back with the first
field at fault marked `autofocus` (the browser moves there, however far down the page), its
error list named by the field's `aria-describedby`, and a summary at the top of the page linking
each error to its field. The browser half is tests/test_officials_phone_browser.py.
"""

import re

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from races.audit import Actor
from races.models import OfficialRole, RaceOfficial
from races.services import entries_import, race_import
from results.timing.models import Source, TimingRecord
from results.timing.services import timing_record_create, timing_record_void
from tests.race_payloads import KL_EKIDEN, KL_ENTRIES


def field_tag(page: str, field_id: str) -> str:
    match = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field_id}"[^>]*>', page)
    assert match, f"no field {field_id}"
    return match.group(0)


def autofocused(page: str) -> list[str]:
    return re.findall(
        r'<(?:input|select|textarea|div)[^>]*\bautofocus\b[^>]*\bid="([^"]+)"', page
    ) + re.findall(r'<(?:input|select|textarea|div)[^>]*\bid="([^"]+)"[^>]*\bautofocus\b', page)


def summary(page: str) -> str:
    match = re.search(r'<div class="note error-summary" id="error-summary".*?</div>', page, re.S)
    assert match, "no error summary"
    return match.group(0)


class FormErrorsTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race, _ = race_import(payload=KL_EKIDEN)
        entries_import(race=cls.race, raw=KL_ENTRIES.encode(), filename="entries.csv", actor=Actor("setup"))
        cls.olivia = get_user_model().objects.create_user("olivia")
        RaceOfficial.objects.create(race=cls.race, user=cls.olivia, role=OfficialRole.ORGANISER)
        cls.read, _ = timing_record_create(
            race=cls.race, bib="101", station="R1", time="06:50:00", source=Source.TABLET
        )

    def setUp(self):
        self.client.force_login(self.olivia)

    def assert_refused_at(self, response, field_id: str, message: str) -> None:
        page = response.content.decode()
        self.assertIn(message, page)
        self.assertEqual(autofocused(page), [field_id], "the cursor goes to the first field at fault")
        tag = field_tag(page, field_id)
        self.assertIn('aria-invalid="true"', tag)
        self.assertRegex(tag, rf'aria-describedby="[^"]*\b{field_id}_error\b')
        self.assertRegex(page, rf'<ul class="errorlist" id="{field_id}_error"><li>[^<]*{re.escape(message)}')
        self.assertIn(f'href="#{field_id}"', summary(page))


class TestTheCorrectionsPage(FormErrorsTestCase):
    def test_a_bad_hand_time(self):
        response = self.client.post(
            "/officials/kl-ekiden/teams/101/splits/", {"station": "FINISH", "time": "7h40", "reason": "sheet"}
        )
        self.assert_refused_at(response, "id_time", "is not a time; write HH:MM:SS[.fff]")
        self.assertIn("Time: ", summary(response.content.decode()))
        self.assertFalse(TimingRecord.objects.filter(station__code="FINISH").exists())

    def test_the_first_of_two_faults_takes_the_cursor(self):
        response = self.client.post("/officials/kl-ekiden/teams/101/splits/", {"station": "FINISH"})
        page = response.content.decode()
        self.assertEqual(autofocused(page), ["id_time"])
        self.assertIn('href="#id_reason"', summary(page))

    def test_a_void_without_a_reason(self):
        response = self.client.post(
            f"/officials/kl-ekiden/teams/101/splits/{self.read.pk}/void/", {"reason": ""}
        )
        self.assert_refused_at(
            response, f"id_r{self.read.pk}_reason", "Say why; the reason goes into the audit trail."
        )
        # The summary names the field as its label on the page does.
        self.assertIn("Why void it: Say why;", summary(response.content.decode()))
        self.assertIn(
            f'<label for="id_r{self.read.pk}_reason">Why void it</label>', response.content.decode()
        )
        self.read.refresh_from_db()
        self.assertFalse(self.read.voided)

    def test_a_restore_without_a_reason_is_named_as_the_page_names_it(self):
        timing_record_void(record=self.read, reason="double read", actor=Actor("olivia"))
        response = self.client.post(
            f"/officials/kl-ekiden/teams/101/splits/{self.read.pk}/restore/", {"reason": ""}
        )
        page = response.content.decode()
        self.assertIn(f'<label for="id_r{self.read.pk}_reason">Why restore it</label>', page)
        self.assertIn("Why restore it: Say why;", summary(page))
        self.read.refresh_from_db()
        self.assertTrue(self.read.voided)

    def test_a_restore_refused_by_the_service_lands_on_its_reason(self):
        response = self.client.post(
            f"/officials/kl-ekiden/teams/101/splits/{self.read.pk}/restore/", {"reason": "it was right"}
        )
        page = response.content.decode()
        self.assertIn("this split is not voided", page.lower())
        self.assertIn('id="error-summary"', page)

    def test_an_untouched_page_has_no_summary_and_no_autofocus(self):
        page = self.client.get("/officials/kl-ekiden/teams/101/").content.decode()
        self.assertNotIn('id="error-summary"', page)
        self.assertEqual(autofocused(page), [])


class TestTheOtherForms(FormErrorsTestCase):
    def test_a_runner_change_without_a_name(self):
        response = self.client.post(
            "/officials/kl-ekiden/teams/101/runners/",
            {
                "change": "2",
                "leg2-name": "",
                "leg2-gender": "M",
                "leg2-birth_date": "1980-01-01",
                "leg2-reason": "ill",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assert_refused_at(response, "id_leg2-name", "Enter the new runner&#x27;s name.")
        page = response.content.decode()
        self.assertNotIn('#leg-2"', re.search(r'<form[^>]*id="leg-2-form"[^>]*>', page).group(0))

    def test_naming_an_official_who_has_no_account(self):
        response = self.client.post(
            "/officials/kl-ekiden/officials/", {"username": "nobody", "role": OfficialRole.RESULTS_DESK}
        )
        self.assertEqual(response.status_code, 400)
        self.assert_refused_at(response, "id_username", "nobody")

    def test_a_chip_file_upload_without_a_file(self):
        response = self.client.post("/officials/kl-ekiden/upload/", {})
        self.assert_refused_at(response, "id_file", "Choose the file to upload.")

    def test_an_empty_chip_file(self):
        empty = SimpleUploadedFile("r1.csv", b"", content_type="text/csv")
        response = self.client.post("/officials/kl-ekiden/upload/", {"file": empty})
        self.assertEqual(autofocused(response.content.decode()), ["id_file"])
