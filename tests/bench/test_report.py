"""The bench shows a missed target in its row and lists it, and lists as a problem any answer a
scenario did not expect."""

from bench.load import LoadResult
from bench.report import Figures


def test_a_missed_target_is_shown_and_listed_but_is_no_problem() -> None:
    figures = Figures()

    figures.target("API / 2021", "0.82 x", met=False, target=">= 1.0 x", note="side by side")
    figures.target("bare / 2021", "1.60 x", met=True, target=">= 1.5 x", note="side by side")

    assert figures.rows[0] == ("API / 2021", "0.82 x", "target >= 1.0 x: **MISSED**; side by side")
    assert figures.rows[1][2].startswith("target >= 1.5 x: met")
    assert figures.missed == ["API / 2021 0.82 x (target >= 1.0 x)"]
    assert figures.problems == []


def test_unexpected_answers_are_a_problem() -> None:
    figures = Figures()

    figures.expect("edge", LoadResult(10, 1.0, 1, 2, errors=0, statuses={200: 10}), {200})
    figures.expect("spread", LoadResult(10, 1.0, 1, 2, errors=0, statuses={201: 8, 500: 2}), {201})

    assert figures.problems == ["spread: 2 x 500 (expected only 201)"]
