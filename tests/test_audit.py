"""The audit helper: one way to write an entry, typed details per action, and old entries still read.

Every audited service goes through races.audit.audit; the tests of each service check the
entries they write. Here: the helper itself, each action's details stored and read back, what
it refuses, the actor's names, and the officials' trail showing entries whose details no
schema describes.
"""

import html
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.contrib.auth import get_user_model
from django.test import TestCase, TransactionTestCase
from django.utils import translation

from races.audit import (
    SCHEMAS,
    Actor,
    DetailsDoNotFit,
    DeviceTokenDetails,
    DeviceTokenShown,
    EffectiveTime,
    EntriesImported,
    GunSet,
    LegRunner,
    OfficialChanged,
    OfficialDuty,
    ProtestDecided,
    ProtestLodged,
    RaceClosed,
    RaceMadeOfficial,
    RaceReopened,
    ReadResolution,
    ReadResolvedBy,
    RunnerChanged,
    RunnerNamed,
    SplitAdded,
    SplitCorrected,
    SplitState,
    StatusSet,
    TeamDeleted,
    TeamRegistered,
    TimingImported,
    UnmatchedReadReopened,
    UnmatchedReadResolved,
    audit,
    read_details,
)
from races.models import AuditEntry
from races.services import race_import
from tests.race_payloads import KL_EKIDEN
from tests.test_officials_desk import DeskTestCase

Action = AuditEntry.Action
KL = timezone(timedelta(hours=8))
GUN = datetime(2025, 11, 23, 6, 30, tzinfo=KL)
R1_READ = datetime(2025, 11, 22, 23, 1, 2, tzinfo=UTC)

# One example of every shape of details, under each action that holds it.
EXAMPLES = [
    (Action.TEAM_STATUS, StatusSet(before="AUTO", after="DNF", public_note="stopped at R1")),
    (Action.RACE_CLOSED, RaceClosed(dnf=3)),
    (Action.RACE_CLOSED, RaceClosed()),
    (Action.RACE_REOPENED, RaceReopened()),
    (
        Action.TIMING_ADDED,
        SplitAdded(
            record=7,
            station="FINISH",
            time=GUN + timedelta(hours=1, minutes=10),
            before=EffectiveTime(effective_time=None),
            after=EffectiveTime(effective_time=GUN + timedelta(hours=1, minutes=10)),
        ),
    ),
    *[
        (
            action,
            SplitCorrected(
                record=8,
                station="R2",
                time=GUN + timedelta(minutes=24),
                before=SplitState(voided=False, effective_time=GUN + timedelta(minutes=24)),
                after=SplitState(voided=True, effective_time=None),
            ),
        )
        for action in (Action.TIMING_VOIDED, Action.TIMING_RESTORED)
    ],
    (
        Action.TIMING_IMPORTED,
        TimingImported(file="finish.csv", added=2, already_stored=1, added_at={"R1": 1, "FINISH": 1}),
    ),
    (Action.ENTRIES_IMPORTED, EntriesImported(file="entries.csv", summary="3 teams created")),
    (Action.ENTRIES_IMPORTED, TeamRegistered(bib="106")),
    (
        Action.TEAM_DELETED,
        TeamDeleted(
            bib="180",
            name="Cheap Watches Online",
            runners=(RunnerNamed(leg=1, name="Buy Now"), RunnerNamed(leg=2, name="Click Here")),
        ),
    ),
    *[
        (
            action,
            DeviceTokenDetails(
                device_token=DeviceTokenShown(name="R1 tablet", prefix="ab12", stations=("R1",))
            ),
        )
        for action in (Action.DEVICE_TOKEN_CREATED, Action.DEVICE_TOKEN_REVOKED)
    ],
    (
        Action.UNMATCHED_RESOLVED,
        UnmatchedReadResolved(
            unmatched_read=4,
            bib_as_read="777",
            station="R1",
            time=R1_READ,
            device="R1 tablet",
            before=ReadResolution(resolved=False),
            after=ReadResolution(resolved=True),
        ),
    ),
    (
        Action.UNMATCHED_REOPENED,
        UnmatchedReadReopened(
            unmatched_read=4,
            bib_as_read="777",
            station="R1",
            time=None,
            device="",
            before=ReadResolvedBy(resolved=True, by="dana", at=R1_READ, note="it was 177"),
            after=ReadResolution(resolved=False),
        ),
    ),
    (
        Action.OFFICIAL_NAMED,
        OfficialChanged(
            username="alice",
            before=OfficialDuty(role=""),
            after=OfficialDuty(role="station", stations=("R1", "R2")),
        ),
    ),
    (
        Action.OFFICIAL_REMOVED,
        OfficialChanged(username="dana", before=OfficialDuty(role="desk"), after=OfficialDuty(role="")),
    ),
    (
        Action.RUNNER_CHANGED,
        RunnerChanged(
            before=(
                LegRunner(leg=1, name="Siti Aminah", gender="F"),
                LegRunner(leg=3, name="Tan", gender="M"),
            ),
            after=(
                LegRunner(leg=1, name="Tan", gender="M"),
                LegRunner(leg=3, name="Siti Aminah", gender="F"),
            ),
        ),
    ),
    (Action.GUN_SET, GunSet(before=GUN, after=GUN + timedelta(minutes=3, seconds=4.2), started_now=True)),
    (Action.RACE_CLOSED, RaceClosed(dnf=2, protests_until=GUN + timedelta(hours=3))),
    (Action.RACE_REOPENED, RaceReopened(was="official")),
    (Action.RACE_OFFICIAL, RaceMadeOfficial(official_at=GUN + timedelta(hours=3), window_ended=True)),
    (Action.RACE_OFFICIAL, RaceMadeOfficial(official_at=GUN + timedelta(hours=2))),
    (
        Action.PROTEST_LODGED,
        ProtestLodged(protest=4, lodged_by="captain of 112", about="101 cut the course at km 12"),
    ),
    (
        Action.PROTEST_DECIDED,
        ProtestDecided(protest=4, outcome="upheld", decision="marshal confirms", status="DQ"),
    ),
    (Action.PROTEST_DECIDED, ProtestDecided(protest=5, outcome="rejected", decision="no witness")),
]


class TestEveryActionHasItsDetails:
    def test_every_action_names_the_details_it_holds(self):
        assert set(SCHEMAS) == set(Action.values)

    def test_every_action_has_an_example_here(self):
        assert {action for action, _ in EXAMPLES} == set(Action.values)


@pytest.mark.parametrize(("action", "details"), EXAMPLES, ids=lambda v: getattr(v, "value", type(v).__name__))
class TestEachActionsDetailsRoundTrip:
    def test_as_json_and_back(self, action, details):
        assert read_details(action, details.as_json()) == details

    @pytest.mark.django_db
    def test_written_by_the_helper_and_read_back_from_the_database(self, action, details):
        race, _ = race_import(payload=KL_EKIDEN)
        written = audit(race=race, action=action, actor=Actor("olivia"), details=details)
        stored = AuditEntry.objects.get(pk=written.pk)
        assert stored.details == details.as_json()
        assert read_details(stored.action, stored.details) == details

    def test_an_unknown_key_does_not_fit(self, action, details):
        with pytest.raises(DetailsDoNotFit, match="no key 'bib_typed'"):
            type(details).from_json({**details.as_json(), "bib_typed": "101"})

    def test_it_says_itself_in_words(self, action, details):
        assert isinstance(details.describe(lambda moment: moment.strftime("%H:%M:%S")), str)


class TestTheStoredJsonIsAsItAlwaysWas:
    """Old entries are read with these keys; the export and the tests of each service read them."""

    def test_a_status_is_stored_as_from_and_to(self):
        assert StatusSet(before="AUTO", after="DQ").as_json() == {
            "from": "AUTO",
            "to": "DQ",
            "public_note": "",
        }

    def test_a_close_that_did_not_count_stores_no_dnf_key(self):
        assert RaceClosed().as_json() == {}
        assert RaceClosed(dnf=0).as_json() == {"dnf": 0}

    def test_a_registration_stores_the_bib_as_registered(self):
        assert TeamRegistered(bib="106").as_json() == {"registered": "106"}

    def test_moments_are_iso_8601_and_lists_are_lists(self):
        details = SplitCorrected(
            record=8,
            station="R2",
            time=R1_READ,
            before=SplitState(voided=False, effective_time=R1_READ),
            after=SplitState(voided=True, effective_time=None),
        )
        assert details.as_json() == {
            "record": 8,
            "station": "R2",
            "time": "2025-11-22T23:01:02+00:00",
            "before": {"voided": False, "effective_time": "2025-11-22T23:01:02+00:00"},
            "after": {"voided": True, "effective_time": None},
        }
        token = DeviceTokenShown(name="R1 tablet", prefix="ab12", stations=("R1", "R2"))
        assert DeviceTokenDetails(device_token=token).as_json()["device_token"]["stations"] == ["R1", "R2"]

    def test_entries_from_before_public_notes_and_station_counts_still_fit(self):
        assert read_details(Action.TEAM_STATUS, {"from": "AUTO", "to": "DQ"}) == StatusSet(
            before="AUTO", after="DQ"
        )
        old_import = {"file": "r1.csv", "added": 2, "already_stored": 0}
        assert read_details(Action.TIMING_IMPORTED, old_import) == TimingImported(
            file="r1.csv", added=2, already_stored=0
        )


class TestTheDetailsReadInTheReadersLanguage:
    """An official reads the trail in Japanese or Malay: a stored code is not shown as a word."""

    def test_a_protests_outcome_is_said_in_the_language_of_the_page(self):
        upheld = ProtestDecided(protest=2, outcome="upheld", decision="marshal confirms")
        rejected = ProtestDecided(protest=3, outcome="rejected", decision="no witness")
        with translation.override("ja"):
            assert upheld.describe(str) == "抗議 2（認容）：marshal confirms"
            assert "却下" in rejected.describe(str)
        with translation.override("ms"):
            assert upheld.describe(str) == "bantahan 2 (diterima): marshal confirms"
        assert upheld.describe(str) == "protest 2 upheld: marshal confirms"

    def test_an_entries_import_s_counts_are_said_in_the_language_of_the_page(self):
        imported = EntriesImported(
            file="entries.csv",
            summary="300 teams created, 0 updated; 1200 runners created, 0 updated; 0 rows unchanged.",
            counts={
                "teams_created": 300,
                "teams_updated": 0,
                "runners_created": 1200,
                "runners_updated": 0,
                "unchanged": 0,
            },
        )
        with translation.override("ja"):
            described = imported.describe(str)
            assert "300" in described and "1200" in described and "teams created" not in described
        # An entry stored before the counts were kept says what the organiser was told.
        older = EntriesImported(file="entries.csv", summary="3 teams created, 0 updated; ...")
        with translation.override("ja"):
            assert older.describe(str).endswith("3 teams created, 0 updated; ...")


class TestWhatIsRefused:
    def test_a_key_the_dataclass_does_not_have_is_refused_when_made(self):
        with pytest.raises(TypeError):
            StatusSet(before="AUTO", after="DQ", reason="cut the course")

    def test_a_value_of_the_wrong_type_is_refused_when_made(self):
        with pytest.raises(TypeError, match=r"RaceClosed\.dnf"):
            RaceClosed(dnf="3")
        with pytest.raises(TypeError, match=r"RaceClosed\.dnf"):
            RaceClosed(dnf=True)
        with pytest.raises(TypeError, match=r"DeviceTokenShown\.stations"):
            DeviceTokenShown(name="R1 tablet", prefix="ab12", stations=["R1"])

    def test_a_moment_without_a_time_zone_is_refused(self):
        with pytest.raises(TypeError, match=r"SplitState\.effective_time"):
            SplitState(voided=False, effective_time=datetime(2025, 11, 23, 7, 0))

    def test_stored_details_missing_a_key_or_of_another_type_do_not_fit(self):
        assert read_details(Action.TEAM_STATUS, {"from": "AUTO"}) is None
        assert read_details(Action.RACE_CLOSED, {"dnf": "three"}) is None
        assert read_details(Action.TIMING_ADDED, {"record": 1, "station": "R1", "time": "07:00"}) is None
        assert read_details(Action.TEAM_DELETED, ["180"]) is None
        assert read_details("no_such_action", {}) is None


class TestTheHelperRefuses(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race, _ = race_import(payload=KL_EKIDEN)

    def test_details_of_another_action(self):
        with pytest.raises(TypeError, match="holds no RaceClosed"):
            audit(race=self.race, action=Action.TEAM_STATUS, actor=Actor("olivia"), details=RaceClosed(dnf=1))
        assert not AuditEntry.objects.exists()

    def test_a_dict_for_details(self):
        with pytest.raises(TypeError):
            audit(race=self.race, action=Action.RACE_CLOSED, actor=Actor("olivia"), details={"dnf": 1})

    def test_a_name_for_an_actor(self):
        with pytest.raises(TypeError, match="not an Actor"):
            audit(race=self.race, action=Action.RACE_CLOSED, actor="olivia", details=RaceClosed())


class TestTheHelperOutsideATransaction(TransactionTestCase):
    def test_it_refuses_to_write_an_entry_its_change_could_outlive(self):
        race, _ = race_import(payload=KL_EKIDEN)
        with pytest.raises(RuntimeError, match="inside the transaction"):
            audit(race=race, action=Action.RACE_REOPENED, actor=Actor("olivia"), details=RaceReopened())
        assert not AuditEntry.objects.exists()


class TestActors(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.olivia = get_user_model().objects.create_user("olivia")

    def test_a_signed_in_user_is_named_by_their_username(self):
        assert Actor.of_user(self.olivia) == Actor("olivia", self.olivia)

    def test_the_command_line_names_the_login_and_what_ran(self):
        assert Actor.command_line().name.startswith("command line")
        assert Actor.command_line(doing="load_demo").name.endswith(", load_demo")
        assert Actor.command_line().user is None

    def test_the_registration_form_names_a_signed_in_captain(self):
        assert Actor.registration_form() == Actor("registration form")
        assert Actor.registration_form(self.olivia) == Actor("registration form (olivia)", self.olivia)

    def test_a_name_too_long_for_the_trail_is_shortened_by_the_form_and_refused_otherwise(self):
        long = get_user_model().objects.create_user("c" * 150)
        named = Actor.registration_form(long).name
        assert len(named) == AuditEntry._meta.get_field("actor").max_length and named.endswith("…)")
        with pytest.raises(ValueError):
            Actor("x" * 151)
        with pytest.raises(ValueError):
            Actor("")


class TestTheTrailShowsEveryEntry(DeskTestCase):
    def trail(self) -> str:
        self.as_user(self.olivia)
        response = self.client.get(self.url("audit/"))
        assert response.status_code == 200
        return html.unescape(response.content.decode())

    def test_each_action_says_what_it_changed(self):
        for action, details in EXAMPLES:
            audit(race=self.race, action=action, actor=Actor("olivia"), details=details)
        page = self.trail()
        assert "AUTO → DNF · public note: stopped at R1" in page
        assert "3 teams still out became DNF" in page
        assert "team 180, Cheap Watches Online · leg 1 Buy Now, leg 2 Click Here" in page
        assert "registered on the form as bib 106" in page
        assert "file finish.csv · 2 added, 1 already stored" in page
        assert "read as 777 · R1 · dealt with → open · note before: it was 177" in page
        assert "leg 1: Siti Aminah (F) → Tan (M) · leg 3: Tan (M) → Siti Aminah (F)" in page

    def test_an_entry_whose_details_fit_no_schema_is_shown_as_stored(self):
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    race=self.race,
                    actor="script",
                    action=Action.TIMING_VOIDED,
                    details={"record": 3, "station": "R1", "time": "2025-11-23T07:00:00+08:00"},
                ),
                AuditEntry(race=self.race, actor="script", action=Action.TEAM_STATUS, details=["odd"]),
                AuditEntry(race=self.race, actor="script", action="retired_action", details={"x": {"y": 1}}),
            ]
        )
        page = self.trail()
        assert "record: 3 · station: R1 · time: 2025-11-23T07:00:00+08:00" in page
        assert '["odd"]' in page
        assert 'x: {"y": 1}' in page
