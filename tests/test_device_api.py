"""The device API: timing tablets and chip readers post splits with a token, officials with
their session. Olivia organises the KL Ekiden, Alice keeps station R1, Bob only reads results;
the R1 tablet holds a token for R1, the Penang tablet one for another race. Everyone logs in
with force_login, so no password is hashed."""

import hashlib
import http.client
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client, TestCase

from races.audit import Actor
from races.models import AuditEntry, OfficialRole, Race, RaceOfficial, Station
from races.services import entries_import, race_import
from results.timing.device_reads import DeviceRead, device_reads_store
from results.timing.device_tokens import (
    device_token_create,
    device_token_find,
    device_tokens_revoke,
    stations_by_code,
)
from results.timing.models import DeviceToken, Source, TimingRecord, UnmatchedRead
from results.timing.read_checker import ReadChecker
from results.timing.read_store import timing_reads_add
from results.timing.services import timing_import
from tests.commands import run
from tests.race_payloads import KL_EKIDEN, PENANG

ENTRIES = "team_bib,team_name,category,leg,runner_name,gender,birth_date,chip_id\n" + "".join(
    f"{bib},Team {bib},MX,{leg},Runner {bib}.{leg},{'F' if leg == 1 else 'M'},1980-01-01,C{bib}{leg}\n"
    for bib in (101, 102, 103)
    for leg in (1, 2, 3)
)


URL = "/api/v1/races/kl-ekiden/timings"
# Race morning in Kuala Lumpur (UTC+8): the gun went at 06:30, the server's clock says 07:30.
RACE_MORNING = datetime(2025, 11, 22, 23, 30, tzinfo=UTC)


def a_read(**changes) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "bib": "101",
        "station": "R1",
        "time": "2025-11-23T07:01:02.345+08:00",
        "source": "tablet",
        **changes,
    }


def audited(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def holds_no_secret(entry: AuditEntry, token: DeviceToken, plain: str) -> bool:
    stored = str(AuditEntry.objects.values().get(pk=entry.pk))
    return plain not in stored and token.token_hash not in stored


class DeviceApiTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.race, _ = race_import(payload=KL_EKIDEN)
        entries_import(race=cls.race, raw=ENTRIES.encode(), filename="entries.csv")
        cls.penang, _ = race_import(payload=PENANG)
        cls.olivia = users.create_user("olivia")
        cls.alice = users.create_user("alice")
        cls.bob = users.create_user("bob")
        RaceOfficial.objects.create(race=cls.race, user=cls.olivia, role=OfficialRole.ORGANISER)
        duty = RaceOfficial.objects.create(race=cls.race, user=cls.alice, role=OfficialRole.STATION)
        duty.stations.add(Station.objects.get(race=cls.race, code="R1"))
        cls.r1_tablet, cls.r1_token = device_token_create(
            race=cls.race, name="R1 tablet", stations=stations_by_code(cls.race, ["R1"])
        )
        cls.penang_tablet, cls.penang_token = device_token_create(
            race=cls.penang, name="Penang tablet", stations=stations_by_code(cls.penang, ["R1"])
        )


class TestDeviceTokens(DeviceApiTestCase):
    def test_only_a_hash_and_a_short_prefix_of_the_token_are_stored(self):
        stored = DeviceToken.objects.get(pk=self.r1_tablet.pk)
        assert stored.token_hash == hashlib.sha256(self.r1_token.encode()).hexdigest()
        assert stored.prefix == self.r1_token[:8]
        assert self.r1_token not in str(DeviceToken.objects.values().get(pk=stored.pk))

    def test_a_token_is_found_by_its_plain_value_and_records_when_it_was_used(self):
        found = device_token_find(self.r1_token)
        assert found == self.r1_tablet
        assert DeviceToken.objects.get(pk=found.pk).last_used_at is not None
        assert device_token_find(self.r1_token + "x") is None

    def test_the_command_prints_the_token_alone_on_its_last_line(self):
        outcome = run(
            "create_device_token", "kl-ekiden", "--station", "R1", "--station", "R2", "--name", "R2 tablet"
        )
        assert outcome.ok
        token = outcome.stdout.splitlines()[-1]
        made = device_token_find(token)
        assert made.name == "R2 tablet" and made.race == self.race
        assert sorted(made.stations.values_list("code", flat=True)) == ["R1", "R2"]
        assert "R1, R2" in outcome.stdout.splitlines()[0]

    def test_a_token_made_by_the_command_is_in_the_races_audit_trail_without_its_secret(self):
        outcome = run(
            "create_device_token", "kl-ekiden", "--station", "R2", "--station", "R1", "--name", "R2 tablet"
        )
        made = device_token_find(outcome.stdout.splitlines()[-1])
        entry = audited(AuditEntry.Action.DEVICE_TOKEN_CREATED)[-1]
        assert entry.race == self.race and entry.user is None
        assert entry.actor.startswith("command line")
        assert entry.details == {
            "device_token": {"name": "R2 tablet", "prefix": made.prefix, "stations": ["R1", "R2"]}
        }
        assert holds_no_secret(entry, made, outcome.stdout.splitlines()[-1])

    def test_if_the_audit_entry_cannot_be_written_no_token_is_made(self):
        before = DeviceToken.objects.count()
        failing = mock.patch.object(AuditEntry.objects, "create", side_effect=RuntimeError("disk full"))
        with failing, pytest.raises(RuntimeError):
            device_token_create(
                race=self.race, name="R2 tablet", stations=stations_by_code(self.race, ["R2"])
            )
        assert DeviceToken.objects.count() == before

    def test_an_unknown_race_or_station_is_one_clear_line_and_makes_nothing(self):
        before = DeviceToken.objects.count()
        unknown_race = run("create_device_token", "nowhere", "--station", "R1", "--name", "x")
        assert not unknown_race.ok
        assert unknown_race.problems[0].startswith("race 'nowhere' does not exist")
        unknown_station = run("create_device_token", "kl-ekiden", "--station", "R9", "--name", "x")
        assert not unknown_station.ok
        assert unknown_station.problems[0] == (
            "station 'R9' is not a station of kl-ekiden; use one of START, R1, R2, FINISH."
        )
        assert DeviceToken.objects.count() == before


class TestDeviceTokensInTheAdmin(DeviceApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        users = get_user_model().objects
        cls.root = users.create_superuser("root")
        cls.viewer = users.create_user("viewer", is_staff=True)  # the results desk: sees tokens, revokes none
        RaceOfficial.objects.create(race=cls.race, user=cls.viewer, role=OfficialRole.RESULTS_DESK)

    def test_a_new_token_is_shown_once_in_a_message_and_its_hash_never(self):
        self.client.force_login(self.root)
        r2 = Station.objects.get(race=self.race, code="R2")
        response = self.client.post(
            "/admin/results/devicetoken/add/",
            {"race": self.race.pk, "name": "R2 tablet", "stations": [r2.pk]},
            follow=True,
        )
        assert response.status_code == 200
        made = DeviceToken.objects.get(name="R2 tablet")
        message = next(str(m) for m in response.context["messages"])
        token = message.split(": ")[1].split(". ")[0]
        assert device_token_find(token) == made and made.created_by == self.root
        assert made.token_hash not in response.content.decode()
        page = self.client.get(f"/admin/results/devicetoken/{made.pk}/change/").content.decode()
        assert made.prefix in page and made.token_hash not in page and token not in page
        entry = audited(AuditEntry.Action.DEVICE_TOKEN_CREATED)[-1]
        assert (entry.race, entry.actor, entry.user) == (self.race, "root", self.root)
        assert entry.details["device_token"] == {
            "name": "R2 tablet",
            "prefix": made.prefix,
            "stations": ["R2"],
        }
        assert holds_no_secret(entry, made, token)

    def test_stations_of_another_race_are_refused(self):
        self.client.force_login(self.root)
        penang_r2 = Station.objects.get(race=self.penang, code="R2")
        response = self.client.post(
            "/admin/results/devicetoken/add/",
            {"race": self.race.pk, "name": "Lost tablet", "stations": [penang_r2.pk]},
        )
        assert response.status_code == 200
        assert "R2 is a station of another race" in response.content.decode()
        assert not DeviceToken.objects.filter(name="Lost tablet").exists()
        assert len(audited(AuditEntry.Action.DEVICE_TOKEN_CREATED)) == 2  # those of setUpTestData

    def test_revoking_needs_the_revoke_permission(self):
        action = {"action": "revoke_tokens", "_selected_action": [self.r1_tablet.pk]}
        self.client.force_login(self.viewer)
        listing = self.client.get("/admin/results/devicetoken/").content.decode()
        assert "R1 tablet" in listing and "revoke_tokens" not in listing
        self.client.post("/admin/results/devicetoken/", action)
        assert DeviceToken.objects.get(pk=self.r1_tablet.pk).revoked_at is None
        assert not audited(AuditEntry.Action.DEVICE_TOKEN_REVOKED)

        self.client.force_login(self.root)
        self.client.post("/admin/results/devicetoken/", action)
        revoked = DeviceToken.objects.get(pk=self.r1_tablet.pk)
        assert revoked.revoked_at is not None and revoked.revoked_by == self.root
        [entry] = audited(AuditEntry.Action.DEVICE_TOKEN_REVOKED)
        assert (entry.race, entry.actor, entry.user) == (self.race, "root", self.root)

    def test_revoking_audits_each_live_token_once_in_its_own_race(self):
        r2_tablet, _ = device_token_create(
            race=self.race, name="R2 tablet", stations=stations_by_code(self.race, ["R1", "R2"])
        )
        device_tokens_revoke(tokens=DeviceToken.objects.filter(pk=r2_tablet.pk))
        first_revocation = DeviceToken.objects.values("revoked_at", "revoked_by").get(pk=r2_tablet.pk)
        self.client.force_login(self.root)
        selected = [self.r1_tablet.pk, self.penang_tablet.pk, r2_tablet.pk]
        response = self.client.post(
            "/admin/results/devicetoken/",
            {"action": "revoke_tokens", "_selected_action": selected},
            follow=True,
        )
        self.assertContains(response, "2 device tokens revoked.")
        by_root = [
            (entry.race, entry.details["device_token"]["name"], entry.details["device_token"]["stations"])
            for entry in audited(AuditEntry.Action.DEVICE_TOKEN_REVOKED)
            if entry.actor == "root"
        ]
        assert by_root == [(self.race, "R1 tablet", ["R1"]), (self.penang, "Penang tablet", ["R1"])]
        assert DeviceToken.objects.values("revoked_at", "revoked_by").get(pk=r2_tablet.pk) == first_revocation
        assert len(audited(AuditEntry.Action.DEVICE_TOKEN_REVOKED)) == 3  # R2's own, once
        assert holds_no_secret(
            audited(AuditEntry.Action.DEVICE_TOKEN_REVOKED)[-1], self.penang_tablet, self.penang_token
        )

    def test_if_the_audit_entries_cannot_be_written_no_token_is_revoked(self):
        failing = mock.patch.object(AuditEntry.objects, "create", side_effect=RuntimeError("disk full"))
        with failing, pytest.raises(RuntimeError):
            device_tokens_revoke(tokens=DeviceToken.objects.all(), actor=Actor.of_user(self.root))
        assert not DeviceToken.objects.filter(revoked_at__isnull=False).exists()


class DevicePosting(DeviceApiTestCase):
    def post(self, body, token: str | None = None, client: Client | None = None, **headers):
        if token is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        raw = body if isinstance(body, bytes) else json.dumps(body)
        return (client or self.client).post(URL, raw, content_type="application/json", **headers)

    def post_as_tablet(self, body, **headers):
        return self.post(body, self.r1_token, **headers)

    def assert_refused(self, response, code: int, *problems: tuple) -> None:
        """The reply has this code and these (index, field) problems; nothing was stored."""
        assert response.status_code == code, response.content
        got = [(p["index"], p["field"]) for p in response.json()["errors"]]
        assert got == list(problems), response.json()
        assert not TimingRecord.objects.exists()


class TestATabletPostingSplits(DevicePosting):
    def test_a_new_read_is_stored_with_the_devices_name(self):
        read = a_read()
        response = self.post_as_tablet(read)
        assert response.status_code == 201
        assert response.json() == {
            "stored": 1,
            "already_stored": 0,
            "records": [{"id": read["id"], "status": "stored"}],
        }
        record = TimingRecord.objects.select_related("team", "station").get()
        assert (record.team.bib, record.station.code, record.source, record.read_id) == (
            "101",
            "R1",
            "tablet",
            read["id"],
        )
        assert record.at == datetime(2025, 11, 22, 23, 1, 2, 345000, tzinfo=UTC)
        assert (record.device, record.recorded_by) == ("R1 tablet", None)

    def test_the_same_read_again_adds_nothing_and_leaves_the_standings_alone(self):
        read = a_read()
        self.post_as_tablet(read)
        version = Race.objects.get(pk=self.race.pk).standings_version
        again = self.post_as_tablet(read)
        assert again.status_code == 200
        assert again.json()["records"] == [{"id": read["id"], "status": "already_stored"}]
        assert TimingRecord.objects.count() == 1
        assert Race.objects.get(pk=self.race.pk).standings_version == version

    def test_the_same_id_with_another_time_is_a_conflict(self):
        read = a_read()
        self.post_as_tablet(read)
        response = self.post_as_tablet({**read, "time": "2025-11-23T07:01:09+08:00"})
        assert response.status_code == 409
        [problem] = response.json()["errors"]
        assert (problem["index"], problem["field"]) == (0, "id")
        assert "already stored for team 101 at R1 07:01:02.345" in problem["message"]
        assert TimingRecord.objects.get().at.second == 2

    def test_an_id_used_twice_in_one_batch_for_two_reads_is_a_conflict(self):
        read = a_read()
        response = self.post_as_tablet([read, {**read, "bib": "102"}])
        self.assert_refused(response, 409, (1, "id"))
        assert "is used on index 0 for another read" in response.json()["errors"][0]["message"]

    def test_a_batch_with_one_conflicting_read_stores_none_of_it(self):
        read = a_read()
        self.post_as_tablet(read)
        version = Race.objects.get(pk=self.race.pk).standings_version
        new = a_read(bib="102")
        response = self.post_as_tablet([new, {**read, "time": "2025-11-23T07:01:09+08:00"}])
        assert response.status_code == 409
        assert [(p["index"], p["field"]) for p in response.json()["errors"]] == [(1, "id")]
        # The new read went in before the conflict was found; the refusal took it out again.
        assert list(TimingRecord.objects.values_list("read_id", flat=True)) == [read["id"]]
        assert Race.objects.get(pk=self.race.pk).standings_version == version
        assert self.post_as_tablet(new).status_code == 201  # sent again alone, it is new

    def test_chip_ids_and_team_bibs_of_one_batch_each_name_their_team(self):
        response = self.post_as_tablet([a_read(bib="C1021"), a_read(bib="103"), a_read(bib="C1012")])
        assert response.status_code == 201
        assert sorted(TimingRecord.objects.values_list("team__bib", flat=True)) == ["101", "102", "103"]

    def test_a_batch_says_what_became_of_each_read_and_moves_the_standings_once(self):
        old = a_read(bib="102")
        self.post_as_tablet(old)
        version = Race.objects.get(pk=self.race.pk).standings_version
        batch = [a_read(bib="101"), old, a_read(bib="C1033")]  # a chip id is its runner's team
        response = self.post_as_tablet(batch)
        assert response.status_code == 201
        assert response.json()["stored"] == 2 and response.json()["already_stored"] == 1
        assert [r["status"] for r in response.json()["records"]] == ["stored", "already_stored", "stored"]
        assert sorted(TimingRecord.objects.values_list("team__bib", flat=True)) == ["101", "102", "103"]
        assert Race.objects.get(pk=self.race.pk).standings_version == version + 1

    def test_ids_are_compared_in_their_canonical_form(self):
        read = a_read()
        self.post_as_tablet(read)
        again = self.post_as_tablet({**read, "id": read["id"].upper()})
        assert again.status_code == 200 and again.json()["records"][0]["id"] == read["id"]

    def test_a_read_left_without_a_source_is_an_api_read(self):
        read = a_read()
        del read["source"]
        assert self.post_as_tablet(read).status_code == 201
        assert TimingRecord.objects.get().source == "api"


class TestBadReads(DevicePosting):
    def test_each_bad_field_is_named_with_its_reads_position_and_nothing_is_stored(self):
        batch = [
            a_read(),
            a_read(time="07:01:02"),  # a time of day: which day, which zone?
            a_read(time="2025-11-23T07:01:02"),  # no offset
            a_read(id="17"),
            a_read(source="import"),
            {"bib": "101", "station": "R1", "time": "2025-11-23T07:01:02+08:00"},
            "101,R1,07:01:02",
        ]
        response = self.post_as_tablet(batch)
        self.assert_refused(
            response, 400, (1, "time"), (2, "time"), (3, "id"), (4, "source"), (5, "id"), (6, None)
        )
        messages = [p["message"] for p in response.json()["errors"]]
        assert messages[0] == (
            "'07:01:02' is not an ISO 8601 date and time, e.g. 2025-11-23T07:01:02.345+08:00."
        )
        assert messages[1] == "'2025-11-23T07:01:02' has no UTC offset; add one, e.g. +08:00 or Z."

    def test_a_read_a_day_or_more_from_the_gun_names_both_dates(self):
        # A tablet left on last year's date: the time of day alone (07:01) would look right.
        response = self.post_as_tablet([a_read(time="2024-11-23T07:01:02.345+08:00")])
        self.assert_refused(response, 400, (0, "time"))
        assert response.json()["errors"][0]["message"] == (
            "2024-11-23 07:01:02.345 is before the start gun on 2025-11-23 06:30:00.000; check the date."
        )
        late = self.post_as_tablet([a_read(time="2025-12-23T07:01:02+08:00")])
        assert late.json()["errors"][0]["message"] == (
            "2025-12-23 07:01:02.000 is more than a week after the start gun on 2025-11-23 06:30:00.000; "
            "check the date."
        )
        # Within the day, the time of day says it.
        early = self.post_as_tablet([a_read(time="2025-11-23T06:00:00+08:00")])
        assert early.json()["errors"][0]["message"] == "06:00:00.000 is before the start gun at 06:30:00.000."

    def test_an_unknown_station_a_time_before_the_gun_and_an_unknown_bib_are_refused(self):
        response = self.post_as_tablet(
            [
                a_read(),
                a_read(station="R9"),
                a_read(time="2025-11-23T06:29:59+08:00"),
                a_read(bib="909"),
            ]
        )
        self.assert_refused(response, 400, (1, "station"), (2, "time"), (3, "bib"))
        messages = [p["message"] for p in response.json()["errors"]]
        assert messages[0] == "'R9' is not a station of this race; use one of START, R1, R2, FINISH."
        assert "before the start gun at 06:30:00.000" in messages[1]
        assert messages[2] == "'909' is not a team bib, runner bib or chip id of this race."

    def test_an_unknown_bib_is_kept_for_the_anomaly_list_once_though_the_request_is_refused(self):
        lost = a_read(bib="909")
        batch = [a_read(), lost]
        self.assert_refused(self.post_as_tablet(batch), 400, (1, "bib"))
        self.assert_refused(self.post_as_tablet(batch), 400, (1, "bib"))  # the device tries again
        unmatched = UnmatchedRead.objects.get()
        assert (unmatched.race, unmatched.bib_as_read, unmatched.station_code) == (self.race, "909", "R1")
        assert (unmatched.read_id, unmatched.device, unmatched.source) == (lost["id"], "R1 tablet", "tablet")
        assert unmatched.at == datetime(2025, 11, 22, 23, 1, 2, 345000, tzinfo=UTC)
        assert not unmatched.resolved

    @mock.patch("django.utils.timezone.now", return_value=RACE_MORNING)
    def test_a_time_in_the_future_is_refused_a_minute_of_clock_drift_is_not(self, _now):
        response = self.post_as_tablet(a_read(time="2025-11-23T08:30:00+08:00"))
        self.assert_refused(response, 400, (0, "time"))
        # A device is told to look at its clock, not that the tasuki has not passed yet.
        assert response.json()["errors"][0]["message"] == (
            "2025-11-23T08:30:00.000+08:00 is in the future: the server accepts reads up to "
            "2025-11-23T07:35:00+08:00 now; check the device's clock and time zone."
        )
        assert self.post_as_tablet(a_read(time="2025-11-23T07:31:00+08:00")).status_code == 201

    def test_a_batch_holds_at_most_1000_reads(self):
        too_many = [a_read() for _ in range(1001)]
        self.assert_refused(self.post_as_tablet(too_many), 400, (None, None))
        self.assert_refused(self.post_as_tablet([]), 400, (None, None))
        response = self.post_as_tablet(too_many[:1000])
        assert response.status_code == 201 and response.json()["stored"] == 1000

    def test_a_body_over_one_megabyte_is_refused_before_it_is_read(self):
        huge = json.dumps([a_read(bib="101" + " " * 2000) for _ in range(600)])
        assert len(huge) > 1024 * 1024
        response = self.post_as_tablet(huge.encode())
        self.assert_refused(response, 413, (None, None))
        assert "larger than 1048576 bytes" in response.json()["errors"][0]["message"]

    def test_an_offset_postgresql_cannot_store_is_no_error(self):
        # Found by the schema test: ISO 8601 allows +23:11, PostgreSQL's timestamptz does not.
        # Read in UTC: 07:50:02 the day before the gun, so refused; an unknown bib whose time
        # is wrong too is not kept for the anomaly list (only a read whose one fault is its bib).
        response = self.post_as_tablet(a_read(bib="909", time="2025-11-23T07:01:02+23:11"))
        self.assert_refused(response, 400, (0, "bib"), (0, "time"))
        assert "15:50:02.000 is before the start gun" in response.json()["errors"][1]["message"]
        assert not UnmatchedRead.objects.exists()
        read = a_read(time="2025-11-23T06:31:02+08:00")
        assert self.post_as_tablet({**read, "time": "2025-11-22T23:02:02+00:31"}).status_code == 201
        assert TimingRecord.objects.get(read_id=read["id"]).at == datetime(
            2025, 11, 22, 22, 31, 2, tzinfo=UTC
        )

    def test_a_null_in_a_batch_is_refused_as_that_read(self):
        # Found by the schema test (tests/test_api_schema_fuzz.py): it was a 500.
        response = self.post_as_tablet([a_read(), None])
        self.assert_refused(response, 400, (1, None))

    def test_a_body_that_is_not_a_read_is_refused(self):
        for body in (b"{not json", b"42", b"", b"[" * 100_000 + b"]" * 100_000):
            self.assert_refused(self.post_as_tablet(body), 400, (None, None))
        form = self.client.post(URL, {"bib": "101"}, HTTP_AUTHORIZATION=f"Bearer {self.r1_token}")
        self.assert_refused(form, 415, (None, None))

    def test_an_unknown_race_is_not_found(self):
        response = self.client.post(
            "/api/v1/races/nowhere/timings",
            json.dumps(a_read()),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.r1_token}",
        )
        assert response.status_code == 404
        assert response.json()["errors"][0]["message"] == "there is no race 'nowhere'."


class TestTokens(DevicePosting):
    def test_no_token_is_a_401_that_says_what_to_send(self):
        response = self.post(a_read())
        self.assert_refused(response, 401, (None, None))
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_an_unknown_or_malformed_token_is_a_401(self):
        self.assert_refused(self.post(a_read(), "not-a-token"), 401, (None, None))
        malformed = self.post(a_read(), HTTP_AUTHORIZATION=f"Bearer {self.r1_token} extra")
        self.assert_refused(malformed, 401, (None, None))

    def test_a_revoked_token_is_a_401(self):
        device_tokens_revoke(tokens=DeviceToken.objects.filter(pk=self.r1_tablet.pk))
        response = self.post_as_tablet(a_read())
        self.assert_refused(response, 401, (None, None))
        assert "revoked" in response.json()["errors"][0]["message"]

    def test_a_token_of_another_race_is_a_403(self):
        # The token is genuine, so not a 401 (which tells a device to fix its credentials): it
        # is pointed at the wrong race, and the reply says which one it belongs to.
        response = self.post(a_read(), self.penang_token)
        self.assert_refused(response, 403, (None, None))
        assert response.json()["errors"][0]["message"] == (
            "this device token is for the race penang-ekiden, not kl-ekiden."
        )

    def test_a_token_for_r1_may_not_post_for_r2(self):
        response = self.post_as_tablet([a_read(), a_read(station="R2")])
        self.assert_refused(response, 403, (1, "station"))
        assert response.json()["errors"][0]["message"].startswith("this device may post for R1 only, not R2")

    def test_a_read_for_another_station_is_not_listed_as_unmatched(self):
        self.assert_refused(self.post_as_tablet(a_read(station="R2", bib="909")), 403, (0, "station"))
        assert not UnmatchedRead.objects.exists()


class TestOfficialsSessions(DevicePosting):
    def test_a_station_official_posts_for_her_station_and_only_hers(self):
        self.client.force_login(self.alice)
        response = self.post(a_read())
        assert response.status_code == 201
        record = TimingRecord.objects.get()
        assert (record.recorded_by, record.device) == (self.alice, "")
        refused = self.post(a_read(station="R2"))
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["message"] == "you record at R1 only, not R2."

    def test_an_organiser_posts_for_every_station(self):
        self.client.force_login(self.olivia)
        assert self.post([a_read(station=code) for code in ("R1", "R2", "FINISH")]).status_code == 201

    def test_someone_with_no_station_may_not_post(self):
        self.client.force_login(self.bob)
        self.assert_refused(self.post(a_read()), 403, (None, None))

    def test_an_anonymous_session_is_a_401(self):
        self.client.get("/officials/login/")  # a session cookie, but nobody logged in
        self.assert_refused(self.post(a_read()), 401, (None, None))

    def test_a_session_post_needs_its_csrf_token(self):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(self.alice)
        response = self.post(a_read(), client=browser)
        self.assert_refused(response, 403, (None, None))
        assert "CSRF" in response.json()["errors"][0]["message"]

        browser.get("/officials/")
        browser.cookies["csrftoken"] = secret = "k" * 32  # as the keypad page reads it
        assert self.post(a_read(), client=browser, HTTP_X_CSRFTOKEN=secret).status_code == 201

    def test_a_bearer_token_needs_no_csrf_token(self):
        browser = Client(enforce_csrf_checks=True)
        assert self.post(a_read(), self.r1_token, client=browser).status_code == 201


class TestSchema(DeviceApiTestCase):
    def test_the_schema_is_served_at_the_contract_path_and_with_a_slash(self):
        for path in ("/api/v1/schema", "/api/v1/schema/"):
            response = self.client.get(path, HTTP_ACCEPT="application/vnd.oai.openapi+json")
            assert response.status_code == 200

    def test_the_timings_operation_has_typed_bodies_and_bearer_security(self):
        schema = self.client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
        post = schema["paths"]["/api/v1/races/{slug}/timings"]["post"]
        body = post["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/DeviceReadOrBatch"}
        components = schema["components"]
        assert {"$ref": "#/components/schemas/DeviceRead"} in components["schemas"]["DeviceReadOrBatch"][
            "oneOf"
        ]
        for code in ("201", "200"):
            assert post["responses"][code]["content"]["application/json"]["schema"]["$ref"].endswith(
                "StoredReply"
            )
        for code in ("400", "401", "403", "409"):
            assert post["responses"][code]["content"]["application/json"]["schema"]["$ref"].endswith(
                "ProblemsReply"
            )
        assert components["securitySchemes"]["deviceToken"]["scheme"] == "bearer"
        assert {"deviceToken": []} in post["security"]
        assert set(components["schemas"]["DeviceRead"]["required"]) == {"id", "bib", "station", "time"}


# --- Many tablets at once, over real HTTP, on PostgreSQL ------------------------------------


def http_post(base_url: str, path: str, body: bytes, token: str) -> tuple[int, dict]:
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        connection.request(
            "POST",
            path,
            body,
            {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


@pytest.fixture
def crowded_race(transactional_db):
    race, _ = race_import(payload=KL_EKIDEN)
    entries = "team_bib,team_name,category,leg,runner_name,gender,birth_date\n" + "".join(
        f"{bib},Team {bib},MX,{leg},Runner {bib}.{leg},{'F' if leg == 1 else 'M'},1980-01-01\n"
        for bib in range(1001, 1251)
        for leg in (1, 2, 3)
    )
    entries_import(race=race, raw=entries.encode(), filename="entries.csv")
    _token, plain = device_token_create(
        race=race, name="Relay tablet", stations=stations_by_code(race, ["R1", "R2"])
    )
    return race, plain


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL pointing at PostgreSQL")
def test_eight_tablets_sending_the_same_batch_at_once_store_it_once(live_server, crowded_race):
    race, token = crowded_race
    batch = [
        a_read(bib=str(bib), station=station, time=f"2025-11-23T07:{bib % 60:02d}:{i % 60:02d}.{i:03d}+08:00")
        for i, (bib, station) in enumerate(
            (bib, station) for bib in range(1001, 1251) for station in ("R1", "R2")
        )
    ]
    assert len(batch) == 500
    body = json.dumps(batch).encode()
    path = f"/api/v1/races/{race.slug}/timings"
    start = threading.Barrier(8)

    def tablet() -> tuple[int, dict]:
        start.wait()
        return http_post(live_server.url, path, body, token)

    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda _: tablet(), range(8)))

    codes = sorted(code for code, _reply in replies)
    # One request stores all 500; the others wait at the first read it is inserting, and then
    # find every read stored: never a 500, never a read twice.
    assert codes == [200] * 7 + [201], replies
    assert TimingRecord.objects.filter(race=race).count() == 500
    assert all(reply["stored"] + reply["already_stored"] == 500 for _code, reply in replies)

    assert http_post(live_server.url, path, body, token)[0] == 200
    moved = json.dumps([{**batch[7], "time": "2025-11-23T07:59:59+08:00"}]).encode()
    code, reply = http_post(live_server.url, path, moved, token)
    assert code == 409 and reply["errors"][0]["field"] == "id"
    assert TimingRecord.objects.filter(race=race).count() == 500


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL pointing at PostgreSQL")
def test_a_tablet_midway_keeps_no_other_tablet_waiting_but_an_import_waits_for_it(crowded_race):
    """Devices take the race's writer lock shared; an import takes it whole."""
    race, _token = crowded_race
    midway, release = threading.Event(), threading.Event()
    first = a_read(bib="1001")

    def tablet_midway() -> None:
        try:
            with transaction.atomic():
                read = ReadChecker(race).check(
                    bib="1001", station="R1", time=datetime.fromisoformat(first["time"]),
                    source="tablet", read_id=first["id"], bad=pytest.fail,
                )  # fmt: skip
                timing_reads_add(race=race, reads=[(0, read)], bad=pytest.fail)
                midway.set()
                assert release.wait(timeout=30)
        finally:
            connection.close()

    def in_own_connection(work):
        def run_it():
            try:
                return work()
            finally:
                connection.close()

        return run_it

    second = DeviceRead(read_id=str(uuid.uuid4()), bib="1002", station="R1",
                        at=datetime(2025, 11, 22, 23, 2, tzinfo=UTC), source=Source.TABLET)  # fmt: skip
    late_file = b"bib,station,time,read_id\n1003,R2,07:40:00,file-1\n"
    with ThreadPoolExecutor(max_workers=3) as pool:
        holder = pool.submit(tablet_midway)
        assert midway.wait(timeout=30)
        other_tablet = pool.submit(in_own_connection(lambda: device_reads_store(race=race, reads=[second])))
        assert other_tablet.result(timeout=10).stored == 1  # it did not wait for the first tablet
        importing = pool.submit(in_own_connection(lambda: timing_import(race=race, raw=late_file)))
        time.sleep(0.5)
        assert not importing.done()  # the import waits until the first tablet is done
        release.set()
        holder.result(timeout=10)
        assert importing.result(timeout=10).added == 1
    assert sorted(TimingRecord.objects.filter(race=race).values_list("team__bib", flat=True)) == [
        "1001",
        "1002",
        "1003",
    ]
