"""Availability requests/s at the origin: the micro-cached listing beside a trivial JSON view.

Starts gunicorn on loopback (sync workers, one per core), seeds the eight demo centres for
14 days into a Redis database of its own, then drives both URLs with wrk in alternating rounds
of a bounded length and prints the best rate of each and their ratio. Everything stays on
127.0.0.1 and ends within about `2 * rounds * seconds` plus start-up.

    .venv/bin/python bench/availability_origin.py [--seconds 8] [--rounds 2] [--connections 32]

Imported by gunicorn (as DJANGO_SETTINGS_MODULE and ROOT_URLCONF), this file is also the
settings: Vaksin's, plus one route to a view that does no I/O at all, the ceiling for any
Django view on this machine.
"""

import os

if __name__ != "__main__":
    from typing import Any

    from vaksin.settings import *  # noqa: F403

    ROOT_URLCONF = "bench.availability_origin"

    def __getattr__(name: str) -> Any:
        # The routes are built on first use: at settings time the apps are not loaded yet.
        if name != "urlpatterns":
            raise AttributeError(name)
        from django.http import HttpRequest, JsonResponse
        from django.urls import include, path

        def trivial(request: HttpRequest) -> JsonResponse:
            return JsonResponse({"status": "ok"})

        return [path("bench/trivial", trivial), path("", include("vaksin.urls"))]


def main() -> None:
    import argparse
    import re
    import shutil
    import signal
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path
    from urllib.request import urlopen

    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per URL, alternating")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6391/3")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="bench.availability_origin",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "bench-only-not-secret"),
        DJANGO_DEBUG="0",
        REDIS_URL=options.redis_url,
        RATE_LIMIT_PER_IP="0",
        PYTHONPATH=str(root),
    )
    subprocess.run(
        [sys.executable, "manage.py", "seed_slots", "--demo", "--days", "14"],
        cwd=root,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "vaksin.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(options.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urlopen(f"{base}/api/availability", timeout=1) as answer:  # noqa: S310
                    size = len(answer.read())
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        urls = {"trivial JSON view": "/bench/trivial", "GET /api/availability": "/api/availability"}
        best = dict.fromkeys(urls, 0.0)
        for _ in range(options.rounds):
            for name, url in urls.items():
                out = subprocess.run(
                    [
                        "wrk",
                        "-t2",
                        f"-c{options.connections}",
                        f"-d{options.seconds}s",
                        f"{base}{url}",
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                found = re.search(r"Requests/sec:\s+([\d.]+)", out)
                errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
                rate = float(found.group(1)) if found else 0.0
                print(
                    f"  {name:<24} {rate:>10.0f} req/s"
                    + (f"  ({errors.group(1)} non-2xx)" if errors else "")
                )
                best[name] = max(best[name], rate)
        listing, trivial_rate = best["GET /api/availability"], best["trivial JSON view"]
        print(
            f"\nbest of {options.rounds} x {options.seconds}s, {options.connections} connections, "
            f"{options.workers} sync workers, listing body {size} bytes:"
        )
        print(f"  trivial JSON view      {trivial_rate:>10.0f} req/s")
        print(f"  GET /api/availability  {listing:>10.0f} req/s")
        print(f"  ratio availability / trivial = {listing / trivial_rate:.2f}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
