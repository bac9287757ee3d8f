"""A neighbour on the machine reads no one's messages: after a booking, every file the real
relay and worker wrote that names the person (the file SMS backend's log, the file e-mail
backend's messages) is 0600 in a 0700 folder, even where an older checkout left the folders and
the log open to everyone."""

import dataclasses
import stat
from pathlib import Path

from devstack.environment import stack_environment
from devstack.people import booking_request
from devstack.processes import stop_process, wait_until
from devstack.starters import start_manage
from registration.services import booking_create
from tests.slots import SlotMaker


def files_naming(root: Path, values: list[str]) -> list[Path]:
    return [
        path
        for path in root.rglob("*")
        if path.is_file() and any(v.encode() in path.read_bytes() for v in values)
    ]


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def test_every_file_naming_a_person_is_private(make_slot: SlotMaker, tmp_path: Path) -> None:
    var = tmp_path / "var"
    for folder in (var / "log", var / "mail"):
        folder.mkdir(parents=True, mode=0o755)
        folder.chmod(0o755)
    (var / "log" / "sms.log").write_text("")
    (var / "log" / "sms.log").chmod(0o644)  # as the file SMS backend made it before
    env = stack_environment(
        SMS_BACKEND="vaksin.sms.FileSmsBackend",
        SMS_FILE_PATH=str(var / "log" / "sms.log"),
        EMAIL_FILE_PATH=str(var / "mail"),  # the default EMAIL_BACKEND, as make run has it
    )
    processes = [
        start_manage(["relay_outbox", "--consumer", "private-files", "--block-ms", "200"], env,
                     tmp_path / "relay.log"),
        start_manage(["rqworker", "confirmations"], env, tmp_path / "worker.log"),
    ]  # fmt: skip
    try:
        day = make_slot(capacity=5)
        request = dataclasses.replace(
            booking_request(41, location="WTCKL", date=day), email="aminah41@example.com"
        )
        booking_create(request=request)
        personal = [request.phone, request.email, request.id_number]
        assert wait_until(lambda: len(files_naming(var, personal)) >= 2, seconds=30)
    finally:
        for process in processes:
            stop_process(process)
    found = files_naming(var, personal)
    assert {path.parent.name for path in found} == {"log", "mail"}
    assert {str(path.relative_to(var)): mode(path) for path in found} == {
        str(path.relative_to(var)): "0o600" for path in found
    }
    assert {path.parent.name: mode(path.parent) for path in found} == {
        "log": "0o700",
        "mail": "0o700",
    }
