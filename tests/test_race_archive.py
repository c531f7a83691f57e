"""Race archives round trip: export_race_archive, an instance without the race, import_race_archive,
and the same export to the byte, the same audit trail, the same voided records (docs/deploy.md,
"Race archives"). Run on SQLite, and on PostgreSQL with DATABASE_URL set."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import models

from races.audit import Actor
from races.models import AuditEntry, OfficialRole, Race, RaceOfficial, Station
from races.services import protest_decide, protest_lodge
from results.archive.parts import NOT_ARCHIVED, PARTS, VERSION
from results.simulation.race import simulate_race
from results.standings.cache import cached_version
from results.timing.device_reads import DeviceRead, DeviceReadsRefused, device_reads_store
from results.timing.device_tokens import device_token_create
from results.timing.models import DeviceToken, TimingRecord, UnmatchedRead
from results.timing.services import timing_record_create, timing_record_restore, timing_record_void
from results.timing.unmatched_reads import unmatched_read_reopen, unmatched_read_resolve
from tests.archives import comparable, delete_race, export_archive, members, results_json, rows
from tests.commands import run, write
from tests.conftest import EXAMPLES
from tests.test_golden_examples import replay

pytestmark = pytest.mark.django_db

SLUG = "busy"


def busy_race(tmp_path) -> Race:
    """A simulated race with everything an archive must keep: voided and restored splits, a split
    added by hand, reads from a tablet signed in as an official, unknown bibs dealt with and
    reopened, statuses with their private reasons, a device token, officials, and the close."""
    simulated = simulate_race(seed=7, teams=40, slug=SLUG)
    assert run("import_race", write(tmp_path, "race.json", json.dumps(simulated.payload))).ok
    assert run("import_entries", SLUG, write(tmp_path, "entries.csv", simulated.entries_csv)).ok
    assert run("import_timing", SLUG, write(tmp_path, "timing.csv", simulated.timing_csv)).ok
    for bib, status, reason in simulated.statuses:
        assert run("set_team_status", SLUG, bib, status, "--reason", reason).ok
    race = Race.objects.get(slug=SLUG)
    users = get_user_model().objects
    olivia, alice = users.create_user("olivia"), users.create_user("alice")
    RaceOfficial.objects.create(race=race, user=olivia, role=OfficialRole.ORGANISER)
    station_official = RaceOfficial.objects.create(race=race, user=alice, role=OfficialRole.STATION)
    station_official.stations.set(Station.objects.filter(race=race, code__in=["R1", "R2"]))
    as_olivia, as_alice = Actor.of_user(olivia), Actor.of_user(alice)

    first, second = TimingRecord.objects.filter(race=race, station__code="R1").order_by("at")[:2]
    timing_record_void(record=first, reason="chip read by a spectator", actor=as_alice)
    timing_record_void(record=second, reason="wrong team", actor=as_alice)
    timing_record_restore(record=second, reason="it was right after all", actor=as_olivia)
    timing_record_create(
        race=race,
        bib=first.team.bib,
        station="R1",
        time=first.at + timedelta(seconds=2),  # the marshal's watch, beside the voided read
        actor=as_olivia,
        reason="seen by the marshal",
    )
    tapped = datetime(2025, 11, 22, 23, 59, 1, 250000, tzinfo=UTC)
    bib = race.teams.order_by("bib").last().bib
    device_reads_store(
        race=race, reads=[DeviceRead("tab-1", bib, "R2", tapped, "tablet")], device="R2 tablet", user=alice
    )
    with pytest.raises(DeviceReadsRefused):
        unknown = [DeviceRead(f"tab-{n}", f"99{n}", "R2", tapped, "tablet") for n in (2, 3)]
        device_reads_store(race=race, reads=unknown, device="R2 tablet", user=alice)
    stray, typo = UnmatchedRead.objects.filter(race=race).order_by("read_id")
    unmatched_read_resolve(race=race, read_pk=stray.pk, actor=as_olivia, note="a stray read")
    unmatched_read_reopen(race=race, read_pk=stray.pk, actor=as_alice, note="not stray: bib 992 is 929")
    unmatched_read_resolve(race=race, read_pk=typo.pk, actor=as_olivia, note="993 was 39, added by hand")
    device_token_create(
        race=race, name="R1 tablet", stations=race.stations.filter(code="R1"), actor=as_olivia
    )
    assert run("close_race", SLUG).ok
    upheld = protest_lodge(
        race=race, bib=first.team.bib, lodged_by="captain of 112", about="cut km 12", actor=as_olivia
    )
    protest_lodge(race=race, bib=bib, lodged_by="a marshal", about="no tasuki at R2", actor=as_olivia)
    protest_decide(
        race=race, protest_id=upheld.pk, outcome="upheld", decision="marshal saw it", status="DQ",
        public_note="course cut", actor=as_olivia,
    )  # fmt: skip
    return race


def round_trip(slug: str, tmp_path, *, users_too: bool = False):
    """Export, archive, empty the instance of the race, import: the exports before and after,
    the archive, and the import's outcome."""
    before = results_json(slug)
    archive = export_archive(slug, tmp_path)
    delete_race(slug)
    if users_too:
        get_user_model().objects.all().delete()
    assert not TimingRecord.objects.exists() and not AuditEntry.objects.exists()
    imported = run("import_race_archive", str(archive))
    assert imported.ok, imported.stderr
    return before, results_json(slug), archive, imported


@pytest.mark.parametrize("folder", ["hand-worked", "mini-ekiden"])
def test_a_worked_example_exports_the_same_bytes_after_the_round_trip(folder, tmp_path):
    slug = replay(folder)["race"]
    before, after, archive, _imported = round_trip(slug, tmp_path)
    assert after == before
    assert comparable(export_archive(slug, tmp_path, "again.zip")) == comparable(archive)


class TestABusyRace:
    def test_the_export_is_the_same_to_the_byte(self, tmp_path):
        busy_race(tmp_path)
        before, after, _archive, imported = round_trip(SLUG, tmp_path)
        assert after == before
        assert imported.stdout.startswith("imported race busy: 40 teams, 160 runners")

    def test_every_row_of_every_part_is_the_same(self, tmp_path):
        busy_race(tmp_path)
        _before, _after, archive, _imported = round_trip(SLUG, tmp_path)
        again = comparable(export_archive(SLUG, tmp_path, "again.zip"))
        assert again == comparable(archive)
        # The race was worth archiving: every kind of row is there.
        assert {entry["action"] for entry in again["audit_trail"]} >= {
            "team_status", "timing_voided", "timing_restored", "timing_added", "timing_imported",
            "entries_imported", "unmatched_resolved", "unmatched_reopened", "device_token_created",
            "race_closed", "protest_lodged", "protest_decided",
        }  # fmt: skip
        assert len(again["unmatched_reads"]) == 2 and len(again["officials"]) == 2
        assert sorted(row["status"] for row in again["protests"]) == ["pending", "upheld"]

    def test_the_voided_records_and_the_audit_trail_are_the_same(self, tmp_path):
        race = busy_race(tmp_path)
        voided, trail = voided_records(race), audit_trail(race)
        round_trip(SLUG, tmp_path)
        race = Race.objects.get(slug=SLUG)
        assert voided_records(race) == voided and len(voided) == 1
        assert audit_trail(race) == trail

    def test_private_reasons_and_personal_data_are_in_the_archive_for_the_organiser(self, tmp_path):
        race = busy_race(tmp_path)
        reasons = set(race.teams.exclude(status_reason="").values_list("status_reason", flat=True))
        archive = export_archive(SLUG, tmp_path)
        teams = rows(archive, "teams.jsonl")
        assert reasons and reasons <= {team["status_reason"] for team in teams}
        assert all(runner["birth_date"] for runner in rows(archive, "runners.jsonl"))

    def test_users_missing_here_leave_the_links_empty_and_the_names_in_the_trail(self, tmp_path):
        busy_race(tmp_path)
        _before, _after, _archive, imported = round_trip(SLUG, tmp_path, users_too=True)
        race = Race.objects.get(slug=SLUG)
        assert not get_user_model().objects.exists()  # no account is made
        by_alice = AuditEntry.objects.filter(race=race, actor="alice")
        assert by_alice.count() == 3 and not by_alice.exclude(user=None).exists()
        assert TimingRecord.objects.filter(race=race, device="R2 tablet", recorded_by=None).count() == 1
        assert not RaceOfficial.objects.exists()
        assert "note: no user here is named alice, olivia" in imported.stdout
        assert "not restored as officials, as they are not users here: alice, olivia" in imported.stdout

    def test_users_who_are_here_are_linked_again(self, tmp_path):
        busy_race(tmp_path)
        round_trip(SLUG, tmp_path)
        race = Race.objects.get(slug=SLUG)
        alice = RaceOfficial.objects.get(race=race, user__username="alice")
        assert sorted(alice.stations.values_list("code", flat=True)) == ["R1", "R2"]
        assert TimingRecord.objects.get(race=race, voided=True).voided_by.username == "alice"

    def test_device_tokens_are_not_archived(self, tmp_path):
        busy_race(tmp_path)
        archive = export_archive(SLUG, tmp_path)
        assert b"token_hash" not in b"".join(members(archive).values())
        round_trip(SLUG, tmp_path)
        assert not DeviceToken.objects.exists()


def voided_records(race: Race) -> list[tuple]:
    return list(
        TimingRecord.objects.filter(race=race, voided=True)
        .order_by("at", "team__bib")
        .values_list(
            "team__bib", "station__code", "at", "source", "read_id", "created_at", "void_reason",
            "voided_by__username", "voided_at",
        )
    )  # fmt: skip


def audit_trail(race: Race) -> list[tuple]:
    """The trail as the officials read it, with the records and reads the details name."""
    records = {
        pk: (bib, code, at)
        for pk, bib, code, at in TimingRecord.objects.filter(race=race).values_list(
            "pk", "team__bib", "station__code", "at"
        )
    }
    reads = dict(UnmatchedRead.objects.filter(race=race).values_list("pk", "read_id"))
    protests = {pk: (bib, who) for pk, bib, who in race.protests.values_list("pk", "team__bib", "lodged_by")}
    trail = []
    for entry in AuditEntry.objects.filter(race=race).select_related("team", "user"):
        details = dict(entry.details)
        if "record" in details:
            details["record"] = records[details["record"]]
        if "unmatched_read" in details:
            details["unmatched_read"] = reads[details["unmatched_read"]]
        if "protest" in details:
            details["protest"] = protests[details["protest"]]
        who = entry.user.username if entry.user else None
        trail.append(
            (entry.at, entry.actor, who, entry.action, entry.team and entry.team.bib, entry.reason, details)
        )
    return trail


class TestTheStandingsAfterAnImport:
    def test_a_refresh_of_the_imported_race_is_scheduled_after_the_commit(
        self, tmp_path, monkeypatch, django_capture_on_commit_callbacks
    ):
        scheduled = []
        monkeypatch.setattr("results.receivers.schedule_refresh", scheduled.append)
        archive = self.archive_without_the_race(tmp_path)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert run("import_race_archive", str(archive)).ok
        assert scheduled == []  # not before the commit: a worker would not see the race
        for callback in callbacks:
            callback()
        assert scheduled == [Race.objects.get(slug="mini-ekiden").pk]

    @pytest.mark.skipif(not settings.CELERY_TASK_ALWAYS_EAGER, reason="tasks run by a worker")
    def test_in_the_embedded_mode_the_standings_are_cached_at_once(
        self, tmp_path, django_capture_on_commit_callbacks
    ):
        archive = self.archive_without_the_race(tmp_path)
        with django_capture_on_commit_callbacks(execute=True):
            assert run("import_race_archive", str(archive)).ok
        race = Race.objects.get(slug="mini-ekiden")
        assert cached_version(race.pk) == race.standings_version
        assert results_json("mini-ekiden") == self.before

    def archive_without_the_race(self, tmp_path):
        slug = replay("mini-ekiden")["race"]
        self.before = results_json(slug)
        archive = export_archive(slug, tmp_path)
        delete_race(slug)
        return archive

    def test_no_page_cached_for_the_slug_before_is_served_for_the_imported_race(self, client, tmp_path):
        folder = EXAMPLES / "mini-ekiden"
        assert run("import_race", str(folder / "race.json")).ok
        assert run("import_entries", "mini-ekiden", str(folder / "entries.csv")).ok
        # The page of the race with its entries and no split yet, cached under its version.
        assert "1:48:41" not in client.get("/races/mini-ekiden/").content.decode()
        replay_rest("mini-ekiden")
        archive = export_archive("mini-ekiden", tmp_path)
        delete_race("mini-ekiden")
        assert run("import_race_archive", str(archive)).ok
        # Team 124 won in 1:48:41, as the worked example expects.
        assert "1:48:41" in client.get("/races/mini-ekiden/").content.decode()


def replay_rest(slug: str) -> None:
    folder = EXAMPLES / slug
    assert run("import_timing", slug, str(folder / "timing.csv")).ok


class TestTheArchive:
    def test_its_manifest_says_what_it_holds(self, tmp_path):
        slug = replay("hand-worked")["race"]
        archive = export_archive(slug, tmp_path)
        manifest = json.loads(members(archive)["manifest.json"])
        assert (manifest["format"], manifest["version"], manifest["race"]) == (
            "tasuki-race-archive",
            VERSION,
            slug,
        )
        assert manifest["release"].startswith("tasuki ")
        assert manifest["counts"]["teams"] == Race.objects.get(slug=slug).teams.count()
        assert sorted(manifest["sha256"]) == sorted(set(members(archive)) - {"manifest.json"})

    def test_the_command_says_it_holds_personal_data(self, tmp_path):
        slug = replay("hand-worked")["race"]
        outcome = run("export_race_archive", slug, "--output", str(tmp_path / "a.zip"))
        assert "personal data" in outcome.stdout

    def test_an_unknown_race_or_folder_is_one_line_and_writes_nothing(self, tmp_path):
        replay("hand-worked")
        outcome = run("export_race_archive", "nope", "--output", str(tmp_path / "a.zip"))
        assert not outcome.ok and outcome.problems[0].startswith("race 'nope' does not exist")
        outcome = run("export_race_archive", "hand", "--output", str(tmp_path / "no" / "a.zip"))
        assert not outcome.ok and "does not exist" in outcome.problems[0]
        assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("part", PARTS.values(), ids=lambda part: part.name)
def test_every_field_of_an_archived_model_is_archived_or_left_out_with_a_reason(part):
    """A field added to a model of the race must be added to its part (results/archive/parts.py)."""
    fields = {field.name for field in part.model._meta.concrete_fields}
    fields |= {field.name for field in part.model._meta.many_to_many}
    named = (
        set(part.values)
        | set(part.references)
        | set(part.left_out)
        | ({"id"} if part.keeps_old_id else set())
    )
    assert fields == named
    assert all(part.left_out.values())


def test_every_model_of_a_race_is_archived_or_said_not_to_be():
    """A new model holding a race's rows must be archived, or named in NOT_ARCHIVED with why."""
    of_a_race = {
        model._meta.label
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.ForeignKey | models.ManyToManyField)
        and field.related_model in {part.model for part in PARTS.values()}
        and not model._meta.auto_created
    }
    archived = {part.model._meta.label for part in PARTS.values()}
    assert of_a_race - archived == set(NOT_ARCHIVED)


def test_the_certificate_logo_goes_with_the_race(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    slug = replay("hand-worked")["race"]
    race = Race.objects.get(slug=slug)
    race.certificate_logo.save("logo.png", ContentFile(b"\x89PNG the logo"))
    archive = export_archive(slug, tmp_path)
    assert members(archive)["files/logo.png"] == b"\x89PNG the logo"
    race.certificate_logo.delete(save=False)
    delete_race(slug)
    assert run("import_race_archive", str(archive)).ok
    with Race.objects.get(slug=slug).certificate_logo.open("rb") as logo:
        assert logo.read() == b"\x89PNG the logo"
