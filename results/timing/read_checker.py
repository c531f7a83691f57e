"""The read checker: a read as it arrives (a file line, a device's post, a typed split) made into
a `SplitRead` with its team and station, or the problems that keep it out. The bib may be a team
bib, a runner bib or a chip id; the time a time of day in the race's zone or an ISO timestamp."""

from collections.abc import Collection
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from races.models import Race, Runner, Team
from races.problems import Problem
from results.timing.models import Source
from results.timing.race_time import SplitTimeParser, TimeFormatError, format_clock, format_dated_clock
from results.timing.read_store import SplitRead

SOURCES = frozenset(Source.values)


class BibResolver:
    """Team bib, runner bib or chip id to the team: readers see chips, officials see bibs.

    With `identifiers`, only those are looked up: a device sends a few reads at a time, and
    loading every bib of a 25,000-team race for each request would cost more than the insert.
    """

    def __init__(self, race: Race, identifiers: Collection[str] | None = None):
        self.teams: dict[str, int] = {}
        self.aliases: dict[str, int] = {}
        if identifiers is not None:
            self._look_up(race, sorted({identifier for identifier in identifiers if identifier}))
            return
        self.teams = dict(Team.objects.filter(race_id=race.pk).order_by().values_list("bib", "pk"))
        runners = Runner.objects.filter(race_id=race.pk).exclude(runner_bib="", chip_id="").order_by()
        for team_id, runner_bib, chip_id in runners.values_list("team_id", "runner_bib", "chip_id"):
            if runner_bib:
                self.aliases[runner_bib] = team_id
            if chip_id:
                self.aliases[chip_id] = team_id

    def _look_up(self, race: Race, wanted: list[str]) -> None:
        """A device's few bibs as team bibs, runner bibs and chip ids, in one plain statement:
        every post of every device comes here, and building three ORM queries cost more than
        running them."""
        if not wanted:
            return
        marks = ", ".join(["%s"] * len(wanted))
        with connection.cursor() as cursor:
            cursor.execute(
                BIBS_SQL.format(team=Team._meta.db_table, runner=Runner._meta.db_table, marks=marks),
                [race.pk, *wanted, race.pk, *wanted, race.pk, *wanted],
            )
            for identifier, team_id, is_team_bib in cursor.fetchall():
                (self.teams if is_team_bib else self.aliases)[identifier] = team_id

    def team_id(self, bib: str) -> int | None:
        return self.teams.get(bib) or self.aliases.get(bib)


BIBS_SQL = """
SELECT bib, id, 1 FROM {team} WHERE race_id = %s AND bib IN ({marks})
UNION ALL
SELECT runner_bib, team_id, 0 FROM {runner} WHERE race_id = %s AND runner_bib IN ({marks}) AND runner_bib <> ''
UNION ALL
SELECT chip_id, team_id, 0 FROM {runner} WHERE race_id = %s AND chip_id IN ({marks}) AND chip_id <> ''
"""


class ReadChecker:
    """Checks reads of one race, whatever brought them: a file line, a tablet tap, the API.

    Each problem goes to `bad(problem)`, naming its field; a read with none comes back ready to
    store, and the caller says where the read was (a file line, a batch index).
    `identifiers`: the only bibs that will be checked (see BibResolver). `now`: for reads that
    arrive as they happen, the moment they are checked; a read may then be at most
    TASUKI_DEVICE_READS_MAX_AHEAD_SECONDS later (a device's clock running ahead, or set to the
    wrong zone, or an official's typo, must not put a team at the finish before it got there).
    `typed`: an official types the reads in (a hand split), and a time to come is told as one.
    """

    # A typo in an ISO date (2052 for 2025) must not become a split decades after the gun.
    LATEST_AFTER_GUN = timedelta(days=7)
    ONE_DAY = timedelta(days=1)

    def __init__(
        self,
        race: Race,
        *,
        identifiers: Collection[str] | None = None,
        now: datetime | None = None,
        typed: bool = False,
    ):
        self.race = race
        self.resolver = BibResolver(race, identifiers)
        self.stations = {station.code: station for station in race.course}
        self.gun = race.gun
        self.now = now
        self.latest = (
            None if now is None else now + timedelta(seconds=settings.TASUKI_DEVICE_READS_MAX_AHEAD_SECONDS)
        )
        self.typed = typed
        self.parse_time = SplitTimeParser(race)

    def check(
        self, *, bib: str, station: str, time: str | datetime, source: str, read_id: str, bad
    ) -> SplitRead | None:
        ok = True

        def problem(field: str, message: str) -> None:
            nonlocal ok
            ok = False
            bad(Problem(message, field=field))

        team_id = self.resolver.team_id(bib)
        if team_id is None:
            problem("bib", _("%r is not a team bib, runner bib or chip id of this race.") % bib)
        station_obj = self.stations.get(station)
        if station_obj is None:
            problem(
                "station",
                _("%(code)r is not a station of this race; use one of %(codes)s.")
                % {"code": station, "codes": ", ".join(self.stations)},
            )
        at = self._time(time, problem)
        if source not in SOURCES:
            problem(
                "source",
                _("%(value)r is not a source; use one of %(known)s, or leave it empty.")
                % {"value": source, "known": ", ".join(Source.values)},
            )
        if len(read_id) > 100:
            problem("read_id", _("longer than 100 characters."))
        elif "\x00" in read_id:
            problem("read_id", _("contains a NUL character."))
        if not ok:
            return None
        return SplitRead(team_id, station_obj.pk, at, source, read_id, bib)

    def _to_come(self, at: datetime) -> str:
        """A read's time still to come: an official's typo, or a device's clock running ahead."""
        if self.typed:
            return _(
                "%(time)s has not come yet (it is %(now)s now): a split is added once the tasuki has passed."
            ) % {"time": format_dated_clock(at, self.race), "now": format_dated_clock(self.now, self.race)}
        return _(
            "%(time)s is in the future: the server accepts reads up to %(latest)s now; "
            "check the device's clock and time zone."
        ) % {
            "time": at.astimezone(self.race.zone).isoformat(timespec="milliseconds"),
            "latest": self.latest.astimezone(self.race.zone).isoformat(timespec="seconds"),
        }

    def _time(self, time: str | datetime, problem) -> datetime | None:
        if isinstance(time, datetime):
            if time.tzinfo is None:
                problem("time", _("needs a time zone offset."))
                return None
            shown, at = (
                format_clock(time, self.race),
                time.replace(microsecond=time.microsecond - time.microsecond % 1000),
            )
        else:
            shown = time
            try:
                at = self.parse_time(time)
            except TimeFormatError as exc:
                problem("time", str(exc))
                return None
        if at < self.gun - self.ONE_DAY:
            # A device set to the wrong day: the time of day alone would look right.
            problem(
                "time",
                _("%(time)s is before the start gun on %(gun)s; check the date.")
                % {"time": format_dated_clock(at, self.race), "gun": format_dated_clock(self.gun, self.race)},
            )
        elif at < self.gun:
            problem(
                "time",
                _("%(time)s is before the start gun at %(gun)s.")
                % {"time": shown, "gun": format_clock(self.gun, self.race)},
            )
        elif at > self.gun + self.LATEST_AFTER_GUN:
            problem(
                "time",
                _("%(time)s is more than a week after the start gun on %(gun)s; check the date.")
                % {"time": format_dated_clock(at, self.race), "gun": format_dated_clock(self.gun, self.race)},
            )
        elif self.latest is not None and at > self.latest:
            problem("time", self._to_come(at))
        return at
