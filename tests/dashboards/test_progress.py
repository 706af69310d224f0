"""Target.progress respects the direction of the indicator."""

import pytest

from tasking.models import Target


def target(baseline, value, direction):  # noqa: ANN001, ANN201
    return Target(text="t", baseline=baseline, target_value=value, direction=direction)


@pytest.mark.parametrize(
    ("latest", "expected"),
    [(0, 0.0), (32.5, 0.5), (65, 1.0), (80, 1.0), (-5, 0.0)],
)
def test_up_is_better(latest, expected):
    assert target(0, 65, "up").progress(latest) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("latest", "expected"),
    [(30, 0.0), (25, 0.25), (20, 0.5), (10, 1.0), (4, 1.0), (40, 0.0)],
)
def test_down_is_better(latest, expected):
    # (baseline − latest) / (baseline − target)
    assert target(30, 10, "down").progress(latest) == pytest.approx(expected)


def test_up_without_baseline_counts_from_zero():
    assert target(None, 200, "up").progress(50) == 0.25


def test_down_without_baseline_counts_from_the_first_measurement():
    assert target(None, 10, "down").progress(20, first=30) == 0.5
    # No start known: no made-up figure (it used to say 100 % here).
    assert target(None, 10, "down").progress(30) is None


def test_baseline_equal_to_target_is_reached_only_on_the_right_side():
    assert target(5, 5, "up").progress(6) == 1.0
    assert target(5, 5, "up").progress(4) == 0.0
    assert target(0, 0, "down").progress(0) == 1.0
    assert target(0, 0, "down").progress(3) == 0.0


def test_not_measurable_or_not_measured():
    assert target(0, None, "up").progress(5) is None
    assert target(0, 10, "up").progress(None) is None
