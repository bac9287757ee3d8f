"""The load test people will point at a deployment works: a short headless run against a real
gunicorn walks the wizard (its code step too), books through the API and sees no failure."""

import csv
import subprocess
import sys

import pytest

from devstack.processes import ROOT, stop_process
from devstack.starters import start_code_worker


@pytest.mark.e2e
def test_a_short_locust_run_books_without_failures(web_server, make_slot, tmp_path) -> None:
    for centre in ("WTCKL", "UM"):
        make_slot(location=centre, capacity=1000)
    base = web_server()
    sms_file = tmp_path / "sms.log"
    codes = start_code_worker(sms_file, tmp_path / "codes.log")

    try:
        run = subprocess.run(
            [sys.executable, "-m", "locust", "-f", "bench/locustfile.py", "--headless",
             "--host", base, "--users", "10", "--spawn-rate", "10", "--run-time", "8s",
             "--csv", str(tmp_path / "run"), "--only-summary"],
            cwd=ROOT, capture_output=True, timeout=60,
            env={"VAKSIN_LOCUST_MAX_WAIT": "1", "VAKSIN_LOCUST_SMS_FILE": str(sms_file),
                 "PATH": ""},
        )  # fmt: skip
    finally:
        stop_process(codes)

    # Locust exits 1 on any failed request or error in a task: say which, not just that.
    assert run.returncode == 0, "\n".join(
        [run.stderr.decode()[-4000:]]
        + [(tmp_path / f"run_{part}.csv").read_text() for part in ("failures", "exceptions")]
    )

    with (tmp_path / "run_stats.csv").open() as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    assert rows["Aggregated"]["Failure Count"] == "0"
    assert int(rows["/api/verifications/confirm"]["Request Count"]) == 10
    assert int(rows["/api/bookings"]["Request Count"]) > 0
    assert int(rows["/register/code/"]["Request Count"]) > 0
    assert int(rows["/register/check/"]["Request Count"]) > 0
