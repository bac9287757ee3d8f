"""The bench reads wrk's figures right and notices answers a scenario did not expect."""

import pytest

from bench.load import LoadResult, combined, command, parse

OUTPUT = """Running 5s test @ http://127.0.0.1:8000/api/bookings
STATUS 201 9000
STATUS 409 12
LATENCY 21000 48000 90000
TOTAL 9012 5000000 3 12
"""


def test_it_reads_wrks_summary() -> None:
    result = parse(OUTPUT)

    assert result.statuses == {201: 9000, 409: 12}
    assert result.requests == 9012
    assert result.per_second == pytest.approx(1802.4)
    assert (result.p50_ms, result.p99_ms) == (21, 48)
    assert result.errors == 3


def test_it_fails_loudly_when_wrk_printed_no_summary() -> None:
    with pytest.raises(RuntimeError, match="no summary"):
        parse("unable to connect to 127.0.0.1:8000 Connection refused\n")


def test_answers_a_scenario_expects_are_no_surprise() -> None:
    result = LoadResult(100, 1.0, 1, 2, errors=0, statuses={201: 90, 409: 10})

    assert result.surprises({201, 409}) == ""


def test_other_statuses_socket_errors_and_silence_are_surprises() -> None:
    failing = LoadResult(100, 1.0, 1, 2, errors=4, statuses={201: 90, 502: 10})
    silent = LoadResult(0, 1.0, 0, 0, errors=0, statuses={})

    assert failing.surprises({201}) == "10 x 502; 4 socket errors or timeouts"
    assert silent.surprises({200}) == "no answer at all"


def test_it_loads_only_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        command("http://example.com/", "get", seconds=1)


def test_runs_of_one_scenario_add_up() -> None:
    first = LoadResult(1000, 10.0, 20, 40, errors=0, statuses={201: 1000})
    second = LoadResult(500, 10.0, 30, 35, errors=1, statuses={201: 499, 409: 1})

    both = combined(first, second)

    assert (both.requests, both.seconds, both.per_second) == (1500, 20.0, 75.0)
    assert both.statuses == {201: 1499, 409: 1}
    assert (both.p50_ms, both.p99_ms, both.errors) == (30, 40, 1)
