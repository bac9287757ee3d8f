"""The app's own processes, started for real: the Procfile's (gunicorn, the relay, the workers,
the export, the waiting lists' sweep) as `make run` would start them, and the direct forms the
tests use (gunicorn on a free port, one manage.py command)."""

import subprocess
import sys
from pathlib import Path

from devstack.environment import stack_environment
from devstack.processes import ROOT, free_port, start_process, stop_process, wait_for


def procfile() -> dict[str, str]:
    """The Procfile's commands by process name: what production runs, so stacks run it too."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(
        (name.strip(), command.strip())
        for name, _, command in (line.partition(":") for line in lines if ":" in line)
        if not name.strip().startswith("#")
    )


def shell_exec(command: str) -> list[str]:
    """`command` (a Procfile line) through a shell that execs it: the environment's PATH finds
    `python` and `gunicorn`, and the process that is signalled and killed is the command itself,
    not a shell in front of it."""
    return ["/bin/sh", "-c", f"exec {command}"]


def procfile_command(name: str) -> list[str]:
    """The Procfile's process `name`, ready for start_process."""
    return shell_exec(procfile()[name])


def start_manage(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`manage.py <args>` with this interpreter."""
    return start_process([sys.executable, "manage.py", *args], env, log)


def start_gunicorn(
    log: Path, *, workers: int = 2, **env: str
) -> tuple[subprocess.Popen[bytes], str]:
    """The Procfile's web process (gunicorn.conf.py) on a free loopback port, against the test
    run's stores; returns it and its base URL once /healthz answers."""
    port = free_port()
    process = start_process(
        [sys.executable, "-m", "gunicorn", "vaksin.wsgi", "-c", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        stack_environment(**env),
        log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", process=process)
    except OSError:
        stop_process(process)
        raise
    return process, base


def start_code_worker(sms_file: Path, log: Path) -> subprocess.Popen[bytes]:
    """The relay's code sender alone (`manage.py relay_outbox --codes-only`; the Procfile's
    relay sends the codes too), sending through the file SMS backend into `sms_file`."""
    env = stack_environment(
        SMS_BACKEND="vaksin.sms.FileSmsBackend",
        SMS_FILE_PATH=str(sms_file),
    )
    return start_manage(["relay_outbox", "--codes-only", "--consumer", "code-sender"], env, log)


def collect_static() -> None:
    """Hashed static files, which whitenoise serves to DEBUG=0 processes."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        check=True,
    )
