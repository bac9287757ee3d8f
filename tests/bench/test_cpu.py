"""CPU time per process tree, as the bench reads it from /proc."""

import os

from bench.cpu import Stat, parse_stat, seconds_by_kind, tree_seconds


def test_it_reads_a_stat_line_whose_command_holds_spaces_and_parentheses() -> None:
    line = "4242 (gunicorn: worker (vaksin)) S 4200 4200 1 0 -1 0 0 0 0 0 70 30 5 1 20 0 1 0"

    assert parse_stat(line) == Stat(parent=4200, ticks=70 + 30 + 5 + 1)


def test_a_tree_counts_its_live_descendants_and_nothing_else(monkeypatch) -> None:
    monkeypatch.setattr("bench.cpu.TICKS_PER_SECOND", 100)
    stats = {
        1: Stat(parent=0, ticks=1_000),
        10: Stat(parent=1, ticks=100),  # the root of the tree
        11: Stat(parent=10, ticks=50),
        12: Stat(parent=11, ticks=25),
        20: Stat(parent=1, ticks=7_000),
    }

    assert tree_seconds(stats, 10) == 1.75
    assert tree_seconds(stats, 99) == 0


def test_it_reads_this_process_from_proc() -> None:
    assert seconds_by_kind({"me": os.getpid()})["me"] >= 0
