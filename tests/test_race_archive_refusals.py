"""A race archive that is not whole, not ours or not right is refused with one line per problem,
and nothing of it is stored (docs/deploy.md, "Race archives")."""

import hashlib
import io
import json
import zipfile

import pytest

from races.models import AuditEntry, Category, Race, Runner, Station, Team
from results.timing.models import TimingRecord, UnmatchedRead
from tests.archives import delete_race, export_archive, members, rewritten
from tests.commands import run, write
from tests.test_golden_examples import replay

pytestmark = pytest.mark.django_db

STORED = (Race, Station, Category, Team, Runner, TimingRecord, UnmatchedRead, AuditEntry)


@pytest.fixture
def archive(tmp_path):
    """The mini-ekiden's archive, on an instance that no longer has the race."""
    replay("mini-ekiden")
    made = export_archive("mini-ekiden", tmp_path)
    delete_race("mini-ekiden")
    return made


def refused(tmp_path, content: bytes) -> list[str]:
    """Import an archive that must be refused: its problems, after checking nothing is stored."""
    outcome = run("import_race_archive", write(tmp_path, "altered.zip", content))
    assert not outcome.ok
    assert [model.objects.count() for model in STORED] == [0] * len(STORED)
    assert outcome.stderr.endswith("problem(s) found; nothing was changed.")
    return outcome.problems[:-1]


def with_checksum(archive, member: str, content: bytes) -> bytes:
    """A member changed, and the manifest told: the archive is whole, a row is wrong."""

    def sign(manifest):
        manifest["sha256"][member] = hashlib.sha256(content).hexdigest()

    return rewritten(archive, replace={member: content}, manifest=sign)


def edited(archive, member: str, line: int, **changes) -> bytes:
    rows = members(archive)[member].decode().splitlines()
    row = json.loads(rows[line - 1])
    row.update(changes)
    rows[line - 1] = json.dumps(row)
    return with_checksum(archive, member, ("\n".join(rows) + "\n").encode())


class TestAWholeArchiveIsNeeded:
    def test_a_member_changed_after_export(self, archive, tmp_path):
        teams = members(archive)["teams.jsonl"].replace(b"Kuala", b"Kuaia")
        assert refused(tmp_path, rewritten(archive, replace={"teams.jsonl": teams})) == [
            "teams.jsonl: its SHA-256 is not the manifest's; the archive was changed or damaged after it "
            "was made. Use an intact copy."
        ]

    def test_a_truncated_zip(self, archive, tmp_path):
        content = archive.read_bytes()
        assert refused(tmp_path, content[: len(content) // 2]) == [
            f"{tmp_path}/altered.zip: not a race archive: it is not a readable zip file (File is not a zip file)."
        ]

    def test_a_missing_member(self, archive, tmp_path):
        assert refused(tmp_path, rewritten(archive, replace={"runners.jsonl": None})) == [
            f"{tmp_path}/altered.zip: runners.jsonl is missing from the zip; use a complete copy of the archive."
        ]

    def test_a_member_the_manifest_does_not_list(self, archive, tmp_path):
        assert refused(tmp_path, rewritten(archive, replace={"extra.jsonl": b"{}\n"})) == [
            f"{tmp_path}/altered.zip: extra.jsonl is not in the manifest; the archive was changed after it was made."
        ]

    def test_a_part_left_out_of_the_manifest(self, archive, tmp_path):
        def forget(manifest):
            del manifest["sha256"]["audit_trail.jsonl"]

        problems = refused(tmp_path, rewritten(archive, replace={"audit_trail.jsonl": None}, manifest=forget))
        assert problems == ["manifest.json: audit_trail.jsonl is not listed; the archive is incomplete."]

    def test_a_count_that_is_not_the_rows(self, archive, tmp_path):
        def miscount(manifest):
            manifest["counts"]["runners"] = 97

        assert refused(tmp_path, rewritten(archive, manifest=miscount)) == [
            "manifest.json: it counts 97 runners, the archive holds 96."
        ]

    def test_a_zip_that_is_no_archive(self, tmp_path):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as other:
            other.writestr("results.csv", "bib\n")
        [problem] = refused(tmp_path, buffer.getvalue())
        assert problem.endswith("no manifest.json in it; a race archive is made by export_race_archive.")


class TestTheVersion:
    def test_a_newer_version_of_the_format(self, archive, tmp_path):
        def newer(manifest):
            manifest["version"], manifest["release"] = 3, "tasuki 9.0"

        assert refused(tmp_path, rewritten(archive, manifest=newer)) == [
            "manifest.json: the archive is version 3 of the format, made by tasuki 9.0; this release reads "
            "version 2. Import it with the release that made it, or a newer one."
        ]

    def test_another_format(self, archive, tmp_path):
        def other(manifest):
            manifest["format"] = "zip-of-something"

        [problem] = refused(tmp_path, rewritten(archive, manifest=other))
        assert problem.startswith("manifest.json: not the manifest of a race archive")


class TestEveryRowIsChecked:
    def test_a_value_not_among_the_choices(self, archive, tmp_path):
        problems = refused(tmp_path, edited(archive, "runners.jsonl", 3, gender="Q"))
        assert problems == ["runners.jsonl line 3, gender: Value 'Q' is not a valid choice."]

    def test_a_value_of_the_wrong_type_and_a_moment_without_its_offset(self, archive, tmp_path):
        content = edited(archive, "timing_records.jsonl", 2, voided="no", at="2025-11-23T07:00:00")
        assert refused(tmp_path, content) == [
            "timing_records.jsonl line 2, at: an ISO 8601 moment with its UTC offset is expected, not "
            "'2025-11-23T07:00:00'.",
            "timing_records.jsonl line 2, voided: true or false is expected, not 'no'.",
        ]

    def test_a_reference_to_a_row_the_archive_does_not_hold(self, archive, tmp_path):
        assert refused(tmp_path, edited(archive, "teams.jsonl", 1, category="XX")) == [
            "teams.jsonl line 1, category: XX is not in the archive's categories."
        ]

    def test_two_rows_a_unique_constraint_keeps_apart(self, archive, tmp_path):
        first = json.loads(members(archive)["runners.jsonl"].decode().splitlines()[0])
        assert refused(
            tmp_path, edited(archive, "runners.jsonl", 2, team=first["team"], leg=first["leg"])
        ) == [
            "runners.jsonl line 2: the same team, leg as runners.jsonl line 1; each must be unique in a race."
        ]

    def test_a_key_unknown_or_missing(self, archive, tmp_path):
        content = edited(archive, "audit_trail.jsonl", 1, protest=1)
        assert refused(tmp_path, content) == [
            "audit_trail.jsonl line 1: protest unknown to this release's archive format."
        ]

    def test_a_line_that_is_not_json(self, archive, tmp_path):
        content = members(archive)["teams.jsonl"] + b"{not json\n"
        [problem] = refused(tmp_path, with_checksum(archive, "teams.jsonl", content))
        assert problem.startswith("teams.jsonl line 25: not valid JSON (")

    def test_a_text_longer_than_its_field(self, archive, tmp_path):
        assert refused(tmp_path, edited(archive, "teams.jsonl", 4, bib="1" * 21)) == [
            "teams.jsonl line 4, bib: Ensure this value has at most 20 characters (it has 21)."
        ]


def test_a_race_already_here_is_refused_and_left_as_it_is(tmp_path):
    replay("mini-ekiden")
    archive = export_archive("mini-ekiden", tmp_path)
    counts = [model.objects.count() for model in STORED]
    outcome = run("import_race_archive", str(archive))
    assert not outcome.ok
    assert outcome.problems[0] == (
        "race mini-ekiden already exists on this instance; an archive is imported as a new race. Delete "
        "that race first (in the admin) if this archive is to replace it."
    )
    assert [model.objects.count() for model in STORED] == counts


def test_a_file_that_cannot_be_read(tmp_path):
    outcome = run("import_race_archive", str(tmp_path / "nowhere.zip"))
    assert not outcome.ok and outcome.problems[0].endswith(
        "nowhere.zip: cannot be read (No such file or directory)."
    )
