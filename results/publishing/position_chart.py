"""The team page's position chart: the team's place at each station, drawn as inline SVG.

Plain geometry from the team's progress, so the page draws it without JavaScript and a test can
check it; the template writes the SVG and its text alternative.
"""

from dataclasses import dataclass

WIDTH, HEIGHT = 340, 170
LEFT, RIGHT, TOP, BOTTOM = 34, 14, 16, 30
#: The first and last stations sit this far inside the plot, clear of the place labels.
INSET = 14


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    station: str
    place: int


@dataclass(frozen=True)
class ChartTick:
    x: float
    label: str
    #: SVG text-anchor: the first and last labels stay inside the drawing.
    anchor: str = "middle"


@dataclass(frozen=True)
class PositionChart:
    width: int
    height: int
    points: list[ChartPoint]
    ticks: list[ChartTick]
    #: (y, label) for the first place, the last place and one between.
    rows: list[tuple[float, int]]
    left: int
    right: float

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def position_chart(stations, field_size: int) -> PositionChart | None:
    """`stations`: the team's StationResults in course order. None when it has no place anywhere."""
    if not any(s.rank is not None for s in stations) or field_size < 1:
        return None
    plot_w = WIDTH - LEFT - RIGHT - 2 * INSET
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(stations) - 1, 1)
    first = LEFT + INSET

    def y_of(place: int) -> float:
        if field_size == 1:
            return TOP + plot_h / 2
        return TOP + (place - 1) / (field_size - 1) * plot_h

    last = len(stations) - 1
    ticks = [
        ChartTick(round(first + i * step, 1), s.code, "end" if i == last and last else "middle")
        for i, s in enumerate(stations)
    ]
    points = [
        ChartPoint(round(first + i * step, 1), round(y_of(s.rank), 1), s.code, s.rank)
        for i, s in enumerate(stations)
        if s.rank is not None
    ]
    places = sorted({1, field_size, (field_size + 1) // 2})
    return PositionChart(
        width=WIDTH,
        height=HEIGHT,
        points=points,
        ticks=ticks,
        rows=[(round(y_of(place), 1), place) for place in places],
        left=LEFT,
        right=WIDTH - RIGHT,
    )
