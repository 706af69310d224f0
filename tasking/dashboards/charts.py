"""Geometry for the small server-rendered SVG charts.

The templates draw; this module only computes coordinates, so the numbers
can be tested without parsing markup and the same chart serves the plan
dashboard (small) and the indicators page (larger).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class ChartPoint:
    """One measurement placed on the chart."""

    x: float
    y: float
    value: float
    on: date


@dataclass(frozen=True)
class AxisTick:
    """A value named on the vertical axis, at its height."""

    value: float
    y: float


@dataclass
class TrendChart:
    """A line of measurements over time, with the target (and baseline) as lines."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    points: list[ChartPoint] = field(default_factory=list)
    target_y: float | None = None
    baseline_y: float | None = None
    low: float = 0.0
    high: float = 1.0
    # The lowest and highest values drawn (measurements, target, baseline),
    # low first: the scale a reader needs; one tick when they are equal.
    ticks: list[AxisTick] = field(default_factory=list)

    @property
    def show_axis(self) -> bool:
        """Large charts (the indicators page) name their first and last dates."""
        return self.height >= 120

    @property
    def polyline(self) -> str:
        """The ``points`` attribute of the SVG polyline."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def first(self) -> ChartPoint | None:
        return self.points[0] if self.points else None

    @property
    def last(self) -> ChartPoint | None:
        return self.points[-1] if self.points else None


def _scale(value: float, low: float, high: float, top: float, bottom: float) -> float:
    """Map a value to a y coordinate: ``high`` at the top, ``low`` at the bottom."""
    return bottom - (value - low) / (high - low) * (bottom - top)


def trend_chart(
    series: Sequence[tuple[date, float]],
    *,
    target: float | None,
    baseline: float | None = None,
    width: int = 240,
    height: int = 80,
    margin: tuple[float, float, float, float] | None = None,
) -> TrendChart:
    """Place ``series`` (date, value), sorted by date, on a ``width`` × ``height`` box.

    The vertical range covers the values, the target and the baseline, with a
    little air, so the target line is always inside the picture. Dates are
    spaced by their real distance; a single date sits in the middle.
    """
    if margin is None:
        # Room under the frame for the date labels of a large chart.
        margin = (8.0, 8.0, 20.0, 8.0) if height >= 120 else (6.0, 6.0, 6.0, 6.0)
    top_margin, right_margin, bottom_margin, left_margin = margin
    left, right = left_margin, width - right_margin
    top, bottom = top_margin, height - bottom_margin
    values = [value for _on, value in series]
    references = [v for v in (target, baseline) if v is not None]
    everything = values + references
    smallest, largest = (min(everything), max(everything)) if everything else (0.0, 1.0)
    low, high = (smallest - 1.0, largest + 1.0) if smallest == largest else (smallest, largest)
    air = (high - low) * 0.08
    low, high = low - air, high + air
    chart = TrendChart(width, height, left, right, top, bottom, low=low, high=high)
    if everything:
        chart.ticks = [
            AxisTick(value, _scale(value, low, high, top, bottom)) for value in sorted({smallest, largest})
        ]
    if series:
        start, end = series[0][0], series[-1][0]
        days = (end - start).days
        for on, value in series:
            x = (left + right) / 2 if days == 0 else left + (on - start).days / days * (right - left)
            chart.points.append(ChartPoint(x, _scale(value, low, high, top, bottom), value, on))
    if target is not None:
        chart.target_y = _scale(target, low, high, top, bottom)
    if baseline is not None:
        chart.baseline_y = _scale(baseline, low, high, top, bottom)
    return chart


#: The narrowest a stacked bar is drawn (the bar cell's min-width less its
#: padding, in CSS pixels), and what a number needs inside a segment: its
#: digits and the chip around them, at the bar's font size.
BAR_MIN_PX = 112.0
DIGIT_PX = 7.0
CHIP_PX = 8.0


@dataclass(frozen=True)
class Segment:
    """One status of a stacked bar: how wide it is (in percent of the bar),
    and whether its number fits inside it."""

    status: str
    count: int
    width: float
    inside: bool


def stacked_segments(counts: Mapping[str, int], order: Sequence[str]) -> list[Segment]:
    """The non-empty segments of a bar of ``counts``, in ``order``. A number
    too wide for its segment at the bar's narrowest is written beside the bar
    instead (``inside`` False): colour is never the only carrier of a count."""
    total = sum(counts.get(status, 0) for status in order)
    segments = []
    for status in order:
        count = counts.get(status, 0)
        if count:
            width = count / total * 100
            needed = len(str(count)) * DIGIT_PX + CHIP_PX
            segments.append(Segment(status, count, width, width / 100 * BAR_MIN_PX >= needed))
    return segments
