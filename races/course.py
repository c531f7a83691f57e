"""The shape of a course: which stations are handoff points, where one leg ends and the next starts.

Written once for everything that reads a course: the legs (races.models.legs_of), the race file,
the standings feed, the officials' anomaly list and the keypad's roster.
"""

from collections.abc import Sequence
from typing import Protocol, TypeVar


class _CourseStation(Protocol):
    handoff: bool


StationT = TypeVar("StationT", bound=_CourseStation)


def counts_as_handoff(index: int, stations: int, relay_station: bool) -> bool:
    """Whether the station at `index` of a course of `stations` is a handoff point.

    The start and the finish always are, whatever their relay flag says: every team sets off at
    the one and ends at the other.
    """
    return relay_station or index in (0, stations - 1)


def handoff_points(course: Sequence[StationT]) -> list[StationT]:
    """The course's handoff points in course order: its relay stations, the start and the finish."""
    return [s for i, s in enumerate(course) if counts_as_handoff(i, len(course), s.handoff)]
