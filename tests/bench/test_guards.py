"""The bench refuses figures that cannot be true: each guard, fed a made-up impossible result,
reports the problem, passes a possible one, and a problem fails the run (a miss does not)."""

from bench.ceiling import Timeline
from bench.guards import (
    above_ceiling,
    above_servable,
    below_floor,
    edge_refreshes_too_few,
    export_faster_than_copy,
    negative_lag,
    stored_more_than_told,
)
from bench.load import LoadResult
from bench.report import Figures, summary


def run(per_second: float) -> LoadResult:
    return LoadResult(int(per_second * 10), 10.0, 1, 2, errors=0, statuses={200: 1})


def test_a_heavier_path_faster_than_the_trivial_view_beside_it_is_a_problem() -> None:
    # The run: the booking API read 1.56 x trivial, the wizard 1.01 x.
    assert "1.56 x the trivial view" in above_ceiling("booking API", [1.50, 1.56, 1.60])
    assert above_ceiling("wizard submit", [1.01, 0.98]) == ""
    assert above_ceiling("bare view", [0.61, 0.58]) == ""


def test_a_rate_above_what_the_stack_serves_is_a_problem() -> None:
    assert "more than the stack serves" in above_servable("maximum", 2_000, ceiling=1_500)
    assert above_servable("maximum", 1_020, ceiling=1_500) == ""
    assert "no trivial rate" in above_servable("maximum", 1_020, ceiling=0)


def test_an_export_faster_than_a_raw_copy_of_the_same_rows_is_a_problem() -> None:
    # "428,277 rows in 0.1 s": the export found its rows already copied.
    assert "nothing to do" in export_faster_than_copy(428_277, 0.1, copy_seconds=0.63)
    assert export_faster_than_copy(428_277, 1.1, copy_seconds=0.63) == ""
    # A fresh clone's run: the export at par with the COPY, every row of the log written.
    assert export_faster_than_copy(543_819, 9.31, copy_seconds=9.55) == ""
    assert "no rows" in export_faster_than_copy(0, 0.1, copy_seconds=0.1)


def test_a_lag_below_zero_is_a_problem() -> None:
    assert "below zero" in negative_lag("confirmation lag", [-3.0, 40.0, 51.0])
    assert negative_lag("confirmation lag", [0.0, 40.0]) == ""
    assert negative_lag("confirmation lag", []) == ""


def test_an_edge_asking_the_origin_less_than_its_refresh_rate_is_a_problem() -> None:
    assert "below its refresh" in edge_refreshes_too_few("edge", fetched=1, seconds=10.0)
    # nginx keeps a 1 s copy through the next whole second: a refresh every two is an edge's.
    assert edge_refreshes_too_few("edge", fetched=5, seconds=10.0) == ""
    assert edge_refreshes_too_few("edge", fetched=10, seconds=10.0) == ""


def test_a_design_that_stored_more_than_it_told_is_a_problem() -> None:
    problem = stored_more_than_told("2021 design", told=1_900, stored=2_000, in_flight=64)
    assert "2,000 stored but 1,900 told yes" in problem
    assert stored_more_than_told("2021 design", told=1_972, stored=2_000, in_flight=64) == ""


def test_a_journey_cheaper_than_its_requests_at_the_trivial_view_is_a_problem() -> None:
    # 18 requests at 350 µs cost at least 6.3 ms: a meter reading 4 ms missed part of it.
    assert "less than its 18.0 requests cost" in below_floor(
        "journey", spent=0.004, requests=18, per_request=350e-6
    )
    assert below_floor("journey", spent=0.030, requests=18, per_request=350e-6) == ""
    assert "no trivial view's CPU" in below_floor(
        "journey", spent=0.030, requests=18, per_request=0
    )


def test_a_refused_figure_fails_the_run_and_a_missed_target_does_not() -> None:
    figures = Figures()

    figures.target("bare / 2021", "1.34 x", met=False, target=">= 1.5 x", note="in turn")
    assert figures.problems == []
    figures.refuse(above_ceiling("booking API", [1.56]))
    figures.refuse("")

    assert len(figures.problems) == 1
    assert summary(figures)[-1].startswith("Problems found: booking API: 1.56 x")


def test_each_run_is_divided_by_the_trivial_runs_beside_it_not_the_first() -> None:
    # The run: 915/s at the start, 2,967/s later; a path at 1,400/s beside the later.
    rates = iter([915.0, 2_967.0, 2_900.0])
    timeline = Timeline(trivial=lambda: run(next(rates)))

    timeline.measure_trivial()
    timeline.record("api", run(800.0))
    timeline.measure_trivial()
    timeline.measure("api", lambda: run(1_400.0))

    rounds = timeline.rounds("api")
    assert [round(r, 2) for r in rounds] == [0.41, 0.48]
    assert above_ceiling("api", rounds) == ""
    assert timeline.describe("api").startswith("0.44 x trivial beside it (rounds 0.41, 0.48)")
