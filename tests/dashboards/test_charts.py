"""The SVG trend chart: points placed by date and value, the target as a line;
the stacked bar's segments and where each writes its number."""

from datetime import date

import pytest

from tasking.dashboards.charts import Segment, stacked_segments, trend_chart

SERIES = [(date(2026, 10, 1), 12.0), (date(2026, 10, 15), 25.0), (date(2026, 11, 1), 38.0)]


def test_points_follow_dates_and_values_up_to_the_target():
    chart = trend_chart(SERIES, target=65.0, baseline=0.0, width=240, height=80)
    xs = [p.x for p in chart.points]
    ys = [p.y for p in chart.points]
    assert xs[0] == chart.left and xs[-1] == chart.right
    # 14 of 31 days along.
    assert abs((xs[1] - chart.left) / (chart.right - chart.left) - 14 / 31) < 1e-9
    # Higher values sit higher (smaller y); the target is above every point, the baseline below.
    assert ys[0] > ys[1] > ys[2]
    assert chart.target_y < min(ys) and chart.baseline_y > max(ys)
    assert chart.top <= chart.target_y and chart.baseline_y <= chart.bottom
    assert chart.polyline == " ".join(f"{p.x:.1f},{p.y:.1f}" for p in chart.points)


def test_down_indicator_has_its_target_below_the_points():
    series = [(date(2026, 9, 1), 30.0), (date(2026, 10, 1), 25.0), (date(2026, 11, 1), 20.0)]
    chart = trend_chart(series, target=10.0, baseline=30.0)
    ys = [p.y for p in chart.points]
    assert ys[0] < ys[1] < ys[2]
    assert chart.target_y > max(ys)
    assert chart.baseline_y == ys[0]


def test_single_point_is_centred_and_empty_series_still_shows_the_target():
    one = trend_chart([(date(2026, 11, 1), 5.0)], target=5.0)
    assert one.points[0].x == (one.left + one.right) / 2
    assert one.target_y == one.points[0].y
    none = trend_chart([], target=65.0)
    assert none.points == [] and none.polyline == ""
    assert none.top <= none.target_y <= none.bottom


def test_large_chart_leaves_room_for_its_dates():
    small = trend_chart(SERIES, target=65.0)
    large = trend_chart(SERIES, target=65.0, width=560, height=180)
    assert not small.show_axis and large.show_axis
    assert large.bottom == 160 and small.bottom == 74


def test_the_scale_names_the_lowest_and_highest_values_at_their_height():
    chart = trend_chart(SERIES, target=65.0, baseline=0.0, width=240, height=80)
    assert [tick.value for tick in chart.ticks] == [0.0, 65.0]
    low, high = chart.ticks
    assert low.y == chart.baseline_y and high.y == chart.target_y
    assert chart.top < high.y < low.y < chart.bottom
    # Without references, the measurements alone set the scale; one value, one tick.
    assert [t.value for t in trend_chart(SERIES, target=None).ticks] == [12.0, 38.0]
    one = trend_chart([(date(2026, 11, 1), 5.0)], target=5.0)
    assert [(t.value, t.y) for t in one.ticks] == [(5.0, one.points[0].y)]


def test_stacked_segments_keep_the_order_skip_empty_statuses_and_say_where_the_number_goes():
    order = ("done", "in_progress", "blocked", "todo")
    segments = stacked_segments({"todo": 9, "done": 6, "in_progress": 7, "blocked": 2}, order)
    shown = [(s.status, s.count) for s in segments]
    assert shown == [("done", 6), ("in_progress", 7), ("blocked", 2), ("todo", 9)]
    assert sum(s.width for s in segments) == pytest.approx(100)
    # 2 of 24 is 8 % of the bar: 9 px at its narrowest, too little for a number and its chip.
    assert [s.inside for s in segments] == [True, True, False, True]
    # Nothing done: no empty segment, and the only one holds its number.
    assert stacked_segments({"todo": 145, "done": 0}, order) == [Segment("todo", 145, 100.0, True)]
    assert stacked_segments({}, order) == []


def test_a_number_goes_inside_once_its_digits_fit():
    order = ("done", "todo")
    # 1 digit needs 15 px: 14 % of a 112 px bar is 15.7 px, 13 % is 14.6 px.
    assert stacked_segments({"done": 14, "todo": 86}, order)[0].inside is False  # two digits
    assert stacked_segments({"done": 1, "todo": 6}, order)[0].inside is True  # 1/7 = 14 %
    assert stacked_segments({"done": 1, "todo": 7}, order)[0].inside is False  # 1/8 = 12.5 %
