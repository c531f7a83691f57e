"""The station keypad's doors and its small JSON endpoints.

Olivia organises the KL Ekiden, Alice keeps station R1, Bob only reads the results. Team 101
has passed R1 and R2 already; team 102 has not started its splits.
"""

import json
import time
from unittest import mock

from django.contrib.auth import get_user_model
from django.test import TestCase

from races.audit import Actor
from races.models import AuditEntry, OfficialRole, RaceOfficial, Station
from races.services import entries_import, race_import
from results.timing.models import TimingRecord
from results.timing.services import timing_record_create
from tests.race_payloads import KL_EKIDEN, KL_ENTRIES

R1_READ = "4f0c1a52-6f0e-4d43-9a55-0d1f0c9e0a01"
R2_READ = "4f0c1a52-6f0e-4d43-9a55-0d1f0c9e0a02"


class KeypadTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.race, _ = race_import(payload=KL_EKIDEN)
        entries_import(race=cls.race, raw=KL_ENTRIES.encode(), filename="entries.csv", actor=Actor("test"))
        cls.olivia = users.create_user("olivia", password="olivia-pass-123")
        cls.alice = users.create_user("alice", password="alice-pass-123")
        cls.bob = users.create_user("bob", password="bob-pass-123")
        RaceOfficial.objects.create(race=cls.race, user=cls.olivia, role=OfficialRole.ORGANISER)
        duty = RaceOfficial.objects.create(race=cls.race, user=cls.alice, role=OfficialRole.STATION)
        duty.stations.add(Station.objects.get(race=cls.race, code="R1"))
        cls.r1_record, _ = timing_record_create(
            race=cls.race, bib="101", station="R1", time="07:00:00.250", source="tablet", read_id=R1_READ
        )
        cls.r2_record, _ = timing_record_create(
            race=cls.race, bib="101-2", station="R2", time="07:40:00", source="tablet", read_id=R2_READ
        )

    def void(self, station: str, read_id: str, reason: str = "typed 101 for 110"):
        return self.client.post(
            f"/officials/kl-ekiden/stations/{station}/void",
            json.dumps({"read_id": read_id, "reason": reason}),
            content_type="application/json",
        )


class TestWhoReachesTheKeypad(KeypadTestCase):
    def test_an_anonymous_visitor_is_sent_to_the_login_page(self):
        response = self.client.get("/officials/kl-ekiden/stations/R1/")
        assert response.status_code == 302
        assert response["Location"] == "/officials/login/?next=/officials/kl-ekiden/stations/R1/"

    def test_the_official_of_r1_gets_the_r1_keypad(self):
        self.client.force_login(self.alice)
        response = self.client.get("/officials/kl-ekiden/stations/R1/")
        assert response.status_code == 200
        self.assertContains(response, 'id="keypad-config"')
        self.assertContains(response, "leg 1 ends, leg 2 starts")
        assert response.cookies.get("csrftoken"), "the keypad's posts need the CSRF cookie"

    def test_the_official_of_r1_is_refused_at_r2(self):
        self.client.force_login(self.alice)
        response = self.client.get("/officials/kl-ekiden/stations/R2/")
        assert response.status_code == 403
        self.assertContains(response, "You do not record at R2", status_code=403)

    def test_the_organiser_works_every_keypad(self):
        self.client.force_login(self.olivia)
        for code in ("START", "R1", "R2", "FINISH"):
            assert self.client.get(f"/officials/kl-ekiden/stations/{code}/").status_code == 200

    def test_someone_who_is_no_official_is_refused(self):
        self.client.force_login(self.bob)
        assert self.client.get("/officials/kl-ekiden/stations/R1/").status_code == 403

    def test_an_unknown_station_is_not_found(self):
        self.client.force_login(self.olivia)
        assert self.client.get("/officials/kl-ekiden/stations/R9/").status_code == 404

    def test_the_officials_home_links_to_each_station_keypad(self):
        self.client.force_login(self.alice)
        self.assertContains(self.client.get("/officials/"), 'href="/officials/kl-ekiden/stations/R1/"')


class TestClock(KeypadTestCase):
    def test_gives_the_server_time_in_milliseconds_and_is_never_cached(self):
        self.client.force_login(self.alice)
        before = time.time() * 1000
        response = self.client.get("/officials/kl-ekiden/clock")
        after = time.time() * 1000
        assert response.status_code == 200
        assert before - 1 <= response.json()["now_ms"] <= after + 1
        assert "no-cache" in response["Cache-Control"]

    def test_answers_an_ended_session_in_json_not_with_a_login_page(self):
        response = self.client.get("/officials/kl-ekiden/clock")
        assert response.status_code == 401
        assert "log in again" in response.json()["errors"][0]["message"]

    def test_is_for_the_race_s_officials_only(self):
        self.client.force_login(self.bob)
        assert self.client.get("/officials/kl-ekiden/clock").status_code == 403


class TestRoster(KeypadTestCase):
    def roster(self, code: str = "R1") -> dict:
        self.client.force_login(self.alice if code == "R1" else self.olivia)
        response = self.client.get(f"/officials/kl-ekiden/stations/{code}/roster")
        assert response.status_code == 200
        return response.json()

    def test_names_the_team_and_its_runners_by_leg(self):
        team = self.roster()["teams"]["102"]
        assert team["name"] == "Japanese Club of KL"
        assert team["runners"] == {"1": "佐藤 健", "2": "Rajesh s/o Krishnan", "3": "Hakim bin Hassan"}

    def test_resolves_runner_bibs_and_chips_to_the_team(self):
        aliases = self.roster()["aliases"]
        assert aliases["102-3"] == "102" and aliases["CHIP1011"] == "101"

    def test_says_which_leg_arrives_and_which_leaves_at_each_station(self):
        assert (self.roster("R1")["arriving_leg"], self.roster("R1")["leaving_leg"]) == (1, 2)
        assert (self.roster("START")["arriving_leg"], self.roster("START")["leaving_leg"]) == (None, 1)
        assert (self.roster("FINISH")["arriving_leg"], self.roster("FINISH")["leaving_leg"]) == (3, None)

    def test_says_how_far_each_team_was_recorded(self):
        teams = self.roster()["teams"]
        assert (teams["101"]["reached"], teams["101"]["reached_position"]) == ("R2", 2)
        assert teams["101"]["here_ms"] is not None  # already recorded at R1
        assert (teams["102"]["reached"], teams["102"]["here_ms"]) == (None, None)

    def test_a_voided_split_does_not_count_as_reached(self):
        self.r2_record.voided = True
        self.r2_record.save()
        assert self.roster()["teams"]["101"]["reached"] == "R1"

    def test_an_unchanged_roster_is_not_sent_again(self):
        self.client.force_login(self.alice)
        first = self.client.get("/officials/kl-ekiden/stations/R1/roster")
        again = self.client.get("/officials/kl-ekiden/stations/R1/roster", HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304

    def test_a_roster_is_built_again_after_a_change_at_most_once_a_refresh_period(self):
        with self.settings(TASUKI_ROSTER_REFRESH_SECONDS=30):
            assert self.roster()["teams"]["102"]["reached"] is None
            timing_record_create(race=self.race, bib="102", station="R2", time="07:40:00", reason="typed")
            assert self.roster()["teams"]["102"]["reached"] is None  # built 0 s ago: kept
            later = time.time() + 31
            with mock.patch("ekiden.versioned_cache.time.time", return_value=later):
                assert self.roster()["teams"]["102"]["reached"] == "R2"
                # Nothing changed since: kept however old it is.
                with mock.patch(
                    "results.officials.roster.station_roster", side_effect=AssertionError("built")
                ):
                    assert self.roster()["teams"]["102"]["reached"] == "R2"

    def test_another_station_s_roster_is_refused(self):
        self.client.force_login(self.alice)
        assert self.client.get("/officials/kl-ekiden/stations/R2/roster").status_code == 403


class TestVoidFromTheKeypad(KeypadTestCase):
    def test_the_official_voids_an_entry_of_their_station_with_an_audit_entry(self):
        self.client.force_login(self.alice)
        response = self.void("R1", R1_READ)
        assert response.status_code == 200, response.content
        assert response.json() == {"read_id": R1_READ, "voided": True}
        record = TimingRecord.objects.get(pk=self.r1_record.pk)
        assert (record.voided, record.void_reason, record.voided_by) == (
            True,
            "typed 101 for 110",
            self.alice,
        )
        audit = AuditEntry.objects.get(action=AuditEntry.Action.TIMING_VOIDED)
        assert (audit.user, audit.reason, audit.team.bib) == (self.alice, "typed 101 for 110", "101")

    def test_a_void_sent_again_after_a_lost_answer_is_fine_and_audited_once(self):
        self.client.force_login(self.alice)
        assert self.void("R1", R1_READ).status_code == 200
        assert self.void("R1", R1_READ).status_code == 200
        assert AuditEntry.objects.filter(action=AuditEntry.Action.TIMING_VOIDED).count() == 1

    def test_another_station_s_entry_is_refused(self):
        self.client.force_login(self.alice)
        assert self.void("R2", R2_READ).status_code == 403
        assert not TimingRecord.objects.get(pk=self.r2_record.pk).voided

    def test_an_entry_of_another_station_cannot_be_voided_through_one_s_own(self):
        self.client.force_login(self.alice)
        response = self.void("R1", R2_READ)
        assert response.status_code == 403
        assert "recorded at R2" in response.json()["errors"][0]["message"]
        assert not TimingRecord.objects.get(pk=self.r2_record.pk).voided

    def test_a_void_needs_a_reason(self):
        self.client.force_login(self.alice)
        response = self.void("R1", R1_READ, reason="  ")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "reason"
        assert not TimingRecord.objects.get(pk=self.r1_record.pk).voided

    def test_a_body_that_is_no_json_object_gets_a_400_the_keypad_can_show(self):
        # An outbox entry half-written when a phone's battery died, or an old script, may send
        # anything: the keypad shows the message and keeps its entries, where a 500 shows nothing.
        self.client.force_login(self.alice)
        for body in ("[]", "[1]", "7", '"x"', "null", "{read_id"):
            with self.subTest(body=body):
                response = self.client.post(
                    "/officials/kl-ekiden/stations/R1/void", body, content_type="application/json"
                )
                assert response.status_code == 400
                assert response.json() == {
                    "errors": [{"field": None, "message": 'Send a JSON object: {"read_id": …, "reason": …}.'}]
                }
        assert not TimingRecord.objects.get(pk=self.r1_record.pk).voided

    def test_a_translated_refusal_still_names_the_reason_field(self):
        """A translation may put the field's name into the message, with its own colon: the
        field the keypad is told comes from the problem, not from the words."""
        japanese = {
            "say why this split is voided (e.g. 'chip read by a spectator').": (
                "理由：取り消す理由を書いてください（例：観客のチップを読んだ）。"
            )
        }
        self.client.force_login(self.alice)
        with mock.patch("results.timing.services._", lambda text: japanese.get(text, text)):
            response = self.client.post(
                "/officials/kl-ekiden/stations/R1/void",
                json.dumps({"read_id": R1_READ, "reason": " "}),
                content_type="application/json",
                headers={"Accept-Language": "ja"},
            )
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"field": "reason", "message": "理由：取り消す理由を書いてください（例：観客のチップを読んだ）。"}
        ]

    def test_an_entry_the_server_never_got_is_not_found(self):
        self.client.force_login(self.alice)
        assert self.void("R1", "00000000-0000-4000-8000-000000000000").status_code == 404

    def test_the_organiser_voids_anywhere(self):
        self.client.force_login(self.olivia)
        assert self.void("R2", R2_READ).status_code == 200

    def test_an_ended_session_gets_401_and_a_get_is_not_allowed(self):
        assert self.void("R1", R1_READ).status_code == 401
        self.client.force_login(self.alice)
        assert self.client.get("/officials/kl-ekiden/stations/R1/void").status_code == 405

    def test_a_void_without_the_csrf_token_is_refused(self):
        client = self.client_class(enforce_csrf_checks=True)
        client.force_login(self.alice)
        response = client.post(
            "/officials/kl-ekiden/stations/R1/void",
            json.dumps({"read_id": R1_READ, "reason": "typo"}),
            content_type="application/json",
        )
        assert response.status_code == 403
        assert not TimingRecord.objects.get(pk=self.r1_record.pk).voided


class TestServiceWorker(KeypadTestCase):
    def test_is_served_under_officials_for_its_scope_without_a_login(self):
        response = self.client.get("/officials/sw.js")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/javascript")
        assert response["Service-Worker-Allowed"] == "/officials/"
        body = response.content.decode()
        assert "/static/officials/keypad.js" in body and "tasuki-keypad-" in body
