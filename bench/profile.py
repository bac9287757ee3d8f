"""Where a view's time goes under load: py-spy samples every gunicorn worker while wrk drives
one URL, then prints the functions holding the most samples (inclusive, then self).

    .venv/bin/python -m bench.profile /api/bookings [--seconds 8]
    .venv/bin/python -m bench.profile /bench/trivial
    .venv/bin/python -m bench.profile /bench/book-bare --gil    # Python's own work, no waits
    .venv/bin/python -m bench.profile /api/bookings --confirmations  # the relay and the worker
    .venv/bin/python -m bench.profile /register/ --journeys 150  # people walk the wizard

Same stack as `make bench` (web only, unless --confirmations), loopback only, bounded in time.
"""

import argparse
import datetime
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import django

from bench.load import command
from bench.stack import RUN, environment, prepare_database, running_stack
from devstack.processes import ROOT

PY_SPY = str(ROOT / ".venv" / "bin" / "py-spy")


def frame_name(frame: str) -> str:
    """'function (path/to/file.py:12)' -> 'function file.py'."""
    name, _, where = frame.partition(" (")
    return f"{name} {where.split(':')[0].rsplit('/', 1)[-1]}" if where else name


def summarise(files: list[Path], *, top: int) -> None:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for file in files:
        for line in file.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            frames = [frame_name(frame) for frame in stack.split(";")]
            total += int(count)
            for name in set(frames):
                inclusive[name] += int(count)
            own[frames[-1]] += int(count)
    print(f"{total:,} samples; inclusive (leaving out gunicorn's frames around every request):")
    shown = [(name, n) for name, n in inclusive.most_common() if n / total < 0.9][:top]
    for name, samples in shown:
        print(f"  {samples / total:6.1%}  {name}")
    print("self:")
    for name, samples in own.most_common(top // 2):
        print(f"  {samples / total:6.1%}  {name}")


def sample(pid: str, file: Path, *, seconds: int, gil: bool) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [PY_SPY, "record", "--nonblocking", "-p", pid, "-d", str(seconds), "-f", "raw",
         "-o", str(file), *(["--gil"] if gil else [])],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def walk_while_sampled(
    base: str, workers: list[str], files: list[Path], options: argparse.Namespace, spread: list[str]
) -> None:
    """People walk the wizard while py-spy samples the web's workers until they are done."""
    from availability.models import Centre
    from bench.journey import make_people, walk_many

    states = dict(Centre.objects.values_list("id", "state"))
    people = make_people(20 * 10**7, options.journeys, slots=spread, states=states)
    samplers = [
        sample(pid, file, seconds=600, gil=options.gil)
        for pid, file in zip(workers, files, strict=True)
    ]
    time.sleep(1)
    result = walk_many(base, people, RUN / "sms.log", warm=True)
    for sampler in samplers:
        sampler.send_signal(signal.SIGINT)  # py-spy writes its samples when interrupted
        sampler.wait()
    print(f"{len(result.tallies)} journeys at {result.per_second:.1f}/s, "
          f"{len(result.failures)} failed {result.failures[:1]}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="e.g. /api/bookings or /bench/trivial")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--gil",
        action="store_true",
        help="only samples that hold the GIL: Python's own work, not waits for Redis or a client",
    )
    parser.add_argument(
        "--confirmations",
        action="store_true",
        help="also run the Procfile's workers, and profile the relay and the worker instead",
    )
    parser.add_argument(
        "--journeys",
        type=int,
        default=0,
        help="instead of wrk, this many people walk the whole wizard (bench/journey.py), "
        "with the Procfile's workers running to send their codes",
    )
    options = parser.parse_args()
    os.environ.update(environment())
    prepare_database()
    django.setup()
    from django.core.management import call_command

    from vaksin import store

    store.client().flushdb()
    call_command("seed_slots", "--demo", "--days", "14", "--capacity", "1000000", verbosity=0)
    day = datetime.date.today() + datetime.timedelta(days=1)
    spread = [f"WTCKL|{day + datetime.timedelta(days=n)}" for n in range(14)]
    with running_stack() as stack:
        stack.start_web()
        master = stack.processes["web"].pid
        workers = subprocess.run(
            ["pgrep", "-P", str(master)], capture_output=True, text=True, check=False
        ).stdout.split()
        if options.confirmations or options.journeys:
            stack.start_workers()
        if options.confirmations:
            workers = [str(stack.processes[name].pid) for name in ("relay", "worker")]
        files = [RUN / f"profile-{pid}.txt" for pid in workers]
        if options.journeys:
            walk_while_sampled(stack.origin, workers, files, options, spread)
        else:
            mode = ["book", str(18 * 10**7), *spread] if "book" in options.path else ["get"]
            load = subprocess.Popen(
                command(f"{stack.origin}{options.path}", *mode, seconds=options.seconds + 4),
                stdout=subprocess.DEVNULL,
            )
            time.sleep(2)
            samplers = [
                sample(pid, file, seconds=options.seconds, gil=options.gil)
                for pid, file in zip(workers, files, strict=True)
            ]
            for sampler in samplers:
                sampler.wait()
            load.wait()
    summarise([file for file in files if file.exists()], top=options.top)


if __name__ == "__main__":
    main()
