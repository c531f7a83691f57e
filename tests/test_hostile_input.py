"""Input no person sends by mistake, which must still get a clear refusal and never a 500: a NUL
character (PostgreSQL cannot even compare a text holding one), JSON nested 100,000 deep, a body
of megabytes, a body sent in chunks. Alice keeps station R1 of the KL Ekiden; the R1 tablet holds
a token. Run on SQLite and on PostgreSQL (DATABASE_URL), where the NUL used to be a 500."""

import io
import json

from django.contrib.auth import get_user_model
from django.test import TestCase

from races.audit import Actor
from races.models import OfficialRole, RaceOfficial, Station
from races.services import entries_import, race_import
from results.timing.device_tokens import device_token_create, stations_by_code
from results.timing.models import TimingRecord
from results.timing.services import timing_record_create
from tests.race_payloads import KL_EKIDEN, KL_ENTRIES
from tests.test_device_api import a_read

R1_READ = "4f0c1a52-6f0e-4d43-9a55-0d1f0c9e0a01"
TIMINGS = "/api/v1/races/kl-ekiden/timings"
VOID = "/officials/kl-ekiden/stations/R1/void"
NUL_REFUSED = "The request holds a NUL character (%00 in an address, \\u0000 in JSON)"


class HostileInputTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race, _ = race_import(payload=KL_EKIDEN)
        entries_import(race=cls.race, raw=KL_ENTRIES.encode(), filename="entries.csv", actor=Actor("test"))
        cls.alice = get_user_model().objects.create_user("alice")
        duty = RaceOfficial.objects.create(race=cls.race, user=cls.alice, role=OfficialRole.STATION)
        duty.stations.add(Station.objects.get(race=cls.race, code="R1"))
        cls.r1_record, _ = timing_record_create(
            race=cls.race, bib="101", station="R1", time="07:00:00.250", source="tablet", read_id=R1_READ
        )
        _token, cls.token = device_token_create(
            race=cls.race, name="R1 tablet", stations=stations_by_code(cls.race, ["R1"])
        )

    def post_as_tablet(self, body: bytes, **extra):
        return self.client.post(
            TIMINGS, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {self.token}", **extra
        )

    def void(self, body: bytes):
        return self.client.post(VOID, body, content_type="application/json")

    def assert_json_refusal(self, response, status: int, words: str, *, api: bool = False):
        assert response.status_code == status, response.content[:300]
        assert response["Content-Type"] == "application/json"
        [problem] = response.json()["errors"]
        assert problem["field"] is None
        assert words in problem["message"]
        assert ("index" in problem) is api
        if api:
            assert problem["index"] is None

    def assert_page_refusal(self, response, words: str = NUL_REFUSED):
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
        assert words in response.content.decode()

    def assert_nothing_voided(self):
        assert not TimingRecord.objects.get(pk=self.r1_record.pk).voided


class TestANulCharacter(HostileInputTestCase):
    def test_in_a_public_page_s_path_it_is_refused_with_a_page(self):
        self.assert_page_refusal(self.client.get("/races/kl-ekiden/teams/%00/"))
        self.assert_page_refusal(self.client.get("/races/kl-ekiden/register/%00/"))

    def test_in_a_query_string_it_is_refused(self):
        self.assert_page_refusal(self.client.get("/races/kl-ekiden/?q=%00"))
        self.assert_page_refusal(self.client.get("/races/kl-ekiden/?q=10%001"))

    def test_in_a_form_it_is_refused_and_logs_nobody_in(self):
        response = self.client.post(
            "/officials/login/",
            "username=alice%00&password=x",
            content_type="application/x-www-form-urlencoded",
        )
        self.assert_page_refusal(response)
        assert "_auth_user_id" not in self.client.session

    def test_in_a_keypad_path_the_page_is_refused_and_its_roster_answers_json(self):
        self.client.force_login(self.alice)
        self.assert_page_refusal(self.client.get("/officials/kl-ekiden/stations/R%001/"))
        roster = self.client.get("/officials/kl-ekiden/stations/R%001/roster")
        self.assert_json_refusal(roster, 400, NUL_REFUSED)

    def test_in_a_void_s_read_id_or_reason_it_is_refused_in_json(self):
        self.client.force_login(self.alice)
        for payload in ({"read_id": "\x00", "reason": "typo"}, {"read_id": R1_READ, "reason": "typo\x00"}):
            with self.subTest(payload=payload):
                escaped = json.dumps(payload).encode()
                assert b"\\u0000" in escaped
                self.assert_json_refusal(self.void(escaped), 400, NUL_REFUSED)
        raw = b'{"read_id": "' + R1_READ.encode() + b'", "reason": "ty\x00po"}'
        self.assert_json_refusal(self.void(raw), 400, NUL_REFUSED)
        self.assert_nothing_voided()

    def test_an_escaped_backslash_before_u0000_is_no_nul(self):
        self.client.force_login(self.alice)
        body = json.dumps({"read_id": R1_READ, "reason": "typed \\u0000 for 101"}).encode()
        assert self.void(body).status_code == 200
        assert TimingRecord.objects.get(pk=self.r1_record.pk).void_reason == "typed \\u0000 for 101"

    def test_in_a_device_read_it_is_refused_in_the_api_s_shape_and_nothing_is_stored(self):
        for read in (a_read(bib="1\x0001"), a_read(station="R\x001"), a_read(id="\x00")):
            with self.subTest(read=read):
                response = self.post_as_tablet(json.dumps(read).encode())
                self.assert_json_refusal(response, 400, NUL_REFUSED, api=True)
        assert TimingRecord.objects.count() == 1

    def test_in_an_api_path_it_is_refused_in_the_api_s_shape(self):
        response = self.client.get("/api/v1/races/kl%00ekiden/results")
        self.assert_json_refusal(response, 400, NUL_REFUSED, api=True)


class TestDeeplyNestedJson(HostileInputTestCase):
    DEEP = b"[" * 100_000 + b"]" * 100_000

    def test_the_keypad_void_refuses_it_in_json(self):
        self.client.force_login(self.alice)
        # Within the void's 16 kB, and deeper than Python's recursion limit.
        deep_list = b"[" * 5_000 + b"]" * 5_000
        self.assert_json_refusal(self.void(deep_list), 400, "Send a JSON object")
        deep_object = b'{"read_id": ' + b'{"a":' * 2_000 + b"1" + b"}" * 2_001
        self.assert_json_refusal(self.void(deep_object), 400, "Send a JSON object")
        self.assert_nothing_voided()

    def test_the_device_api_refuses_it_and_says_how_deep_is_allowed(self):
        response = self.post_as_tablet(self.DEEP)
        self.assert_json_refusal(response, 400, "nested more than 20 levels deep", api=True)

    def test_brackets_inside_a_string_are_no_nesting(self):
        response = self.post_as_tablet(json.dumps(a_read(bib="[" * 30)).encode())
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "bib"  # refused as a bib, not as nesting


class TestALargeBody(HostileInputTestCase):
    THREE_MB = json.dumps({"read_id": R1_READ, "reason": "x" * 3_000_000}).encode()

    def test_the_keypad_void_answers_413_in_json(self):
        self.client.force_login(self.alice)
        self.assert_json_refusal(self.void(self.THREE_MB), 413, "larger than 16384 bytes")
        self.assert_nothing_voided()

    def test_the_device_api_answers_413_in_json(self):
        response = self.post_as_tablet(self.THREE_MB)
        self.assert_json_refusal(response, 413, "larger than 1048576 bytes", api=True)


class TestAChunkedBody(HostileInputTestCase):
    """gunicorn hands a chunked body over whole and says so (wsgi.input_terminated); Django reads
    no further than Content-Length, which a chunked request has none of."""

    def chunked(self, body: bytes, *, terminated: bool = True):
        environ = {
            "CONTENT_LENGTH": "",
            "CONTENT_TYPE": "application/json",
            "HTTP_TRANSFER_ENCODING": "chunked",
            "wsgi.input": io.BytesIO(body),
        }
        if terminated:
            environ["wsgi.input_terminated"] = True
        return self.post_as_tablet(b"", **environ)

    def test_the_device_api_reads_it_and_stores_the_read(self):
        read = a_read(bib="102")
        response = self.chunked(json.dumps(read).encode())
        assert response.status_code == 201, response.content
        assert response.json()["records"] == [{"id": read["id"], "status": "stored"}]
        assert TimingRecord.objects.filter(read_id=read["id"]).exists()

    def test_a_chunked_body_over_the_limit_is_refused_with_413(self):
        response = self.chunked(b"[" + b" " * 3_000_000 + b"]")
        self.assert_json_refusal(response, 413, "larger than 2621440 bytes", api=True)

    def test_a_server_that_cannot_read_it_says_to_send_a_content_length(self):
        response = self.chunked(json.dumps(a_read()).encode(), terminated=False)
        self.assert_json_refusal(response, 411, "send it whole with a Content-Length header", api=True)
        assert TimingRecord.objects.count() == 1
