"""What an earlier run of `make run-ha` left running is stopped by the next start (and by `make
stop`): even a process that outlived its supervisor because it ignores SIGTERM, the signal the
kernel sends it when the supervisor dies."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from devstack.ha import HaStack, process_started
from devstack.ha_config import Ports
from devstack.processes import ROOT, wait_until

SUPERVISOR = """
import sys, time
from pathlib import Path
from devstack.ha import HaStack
from devstack.ha_config import Ports
stack = HaStack(run=Path(sys.argv[1]), ports=Ports.free(replicas=1, web_nodes=1), password="x",
                env={})
stack.spawn("stubborn", ["sh", "-c", "trap '' TERM; while :; do sleep 1; done"])
print(stack.processes["stubborn"].pid, flush=True)
time.sleep(600)
"""


def test_the_next_start_stops_what_a_killed_run_left(tmp_path: Path) -> None:
    run = tmp_path / "ha"
    (run / "log").mkdir(parents=True)
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(run)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert supervisor.stdout is not None
    stubborn = int(supervisor.stdout.readline())
    started = process_started(stubborn)
    supervisor.kill()
    supervisor.wait()
    time.sleep(1)
    assert process_started(stubborn) == started  # it ignored the kernel's SIGTERM: left running
    try:
        again = HaStack(run=run, ports=Ports.free(replicas=1, web_nodes=1), password="x", env={})
        assert again.stop_leftovers(seconds=1) == ["stubborn"]
        assert wait_until(lambda: not process_started(stubborn), seconds=10)
        assert again.stop_leftovers() == []
        # make stop does the same (python -m deploy.ha --stop), with nothing left now.
        stop = subprocess.run(
            [sys.executable, "-m", "deploy.ha", "--stop"], cwd=ROOT, capture_output=True,
            text=True, env={**os.environ, "HA_RUN": str(run)}, check=True,
        )  # fmt: skip
        assert stop.stdout == ""
    finally:
        if process_started(stubborn) == started:
            os.kill(stubborn, signal.SIGKILL)
