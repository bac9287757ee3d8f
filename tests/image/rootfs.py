"""The built image's own files, run without a container runtime: `podman run` cannot run here
(rlimits, hybrid cgroups), but the image's root filesystem, mounted read-only by podman, can be
entered with chroot. Each process gets a mount namespace of its own holding what a runtime would
give a container (/proc, /dev, a tmpfs /tmp, a writable folder bound from the host), and runs as
the image's user, with the image's environment, entrypoint and working directory; networking is
the host's, so loopback reaches the test Redis and PostgreSQL."""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from devstack.processes import ROOT, start_process

IMAGE = "vaksin:latest"

# The mounts of a container, made inside the process's own mount namespace (unshare), so they
# vanish with it and nothing is left mounted on the host; then the image's entrypoint as its user.
_ENTER = """set -e
root=$1 share=$2 user=$3
shift 3
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
mount --bind "$share" "$root/var/lib/vaksin"
exec chroot --userspec="$user" "$root" "$@"
"""


def skip_reason() -> str | None:
    """Why the image cannot be built and run here, or None when it can."""
    if os.environ.get("VAKSIN_IMAGE_TESTS") == "0":
        return "VAKSIN_IMAGE_TESTS=0"
    if os.geteuid() != 0:
        return "needs root: it mounts the image's root filesystem and chroots into it"
    for tool in ("unshare", "chroot", "mount"):
        if not shutil.which(tool):
            return f"needs {tool} (util-linux, coreutils)"
    builder = subprocess.run(
        [ROOT / "scripts" / "image-base.sh", "builder"], capture_output=True, text=True
    ).stdout.strip()
    if builder == "docker":
        return "docker is this machine's only builder; the test mounts images from podman's store"
    if not builder and not shutil.which("apt-get"):
        return "no image builder (buildah, podman or docker), and no apt-get to install buildah"
    return None


def build(log: Path) -> str:
    """`make image` (which installs buildah and makes the base when missing); returns the ID of
    the image it built, written to `log` as it goes."""
    with log.open("wb") as out:
        made = subprocess.run(
            ["make", "--no-print-directory", "image", f"IMAGE_NAME={IMAGE.split(':')[0]}"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, timeout=1800, check=False,
        )  # fmt: skip
    if made.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        raise AssertionError(f"make image failed ({made.returncode}):\n{tail}")
    return podman("image", "inspect", "--format", "{{.Id}}", IMAGE).strip()


def podman(*args: str) -> str:
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, check=True, timeout=120
    ).stdout


@dataclass
class Rootfs:
    """An image mounted read-only: its files, its configuration, and processes run from them."""

    image_id: str
    path: Path
    share: Path
    user: str
    env: dict[str, str]
    entrypoint: list[str]
    cmd: list[str]
    healthcheck: list[str]

    @classmethod
    def mount(cls, image_id: str, share: Path) -> "Rootfs":
        [inspected] = json.loads(podman("image", "inspect", image_id))
        config = inspected["Config"]
        path = Path(podman("image", "mount", image_id).strip())
        return cls(
            image_id=image_id,
            path=path,
            share=share,
            user=config["User"],
            env=dict(item.split("=", 1) for item in config.get("Env") or []),
            entrypoint=config["Entrypoint"],
            cmd=config.get("Cmd") or [],
            healthcheck=(inspected.get("Healthcheck") or {}).get("Test", []),
        )

    def unmount(self) -> None:
        podman("image", "unmount", self.image_id)

    def environment(self, **env: str) -> dict[str, str]:
        """The image's environment (ENV), then `env`: what `podman run -e` would give."""
        return {**self.env, **env}

    def command(self, *args: str, entrypoint: bool = True) -> list[str]:
        """The image's entrypoint with `args` (its CMD when none), entered as described above;
        `args` alone, a command of the image, with entrypoint=False."""
        argv = list(args)
        if entrypoint:
            argv = self.entrypoint + (argv or self.cmd)
        return [
            "unshare", "--mount", "--propagation", "private",
            "sh", "-c", _ENTER, "enter", str(self.path), str(self.share), self.user, *argv,
        ]  # fmt: skip

    def start(
        self, log: Path, *args: str, env: dict[str, str], stderr: Path | None = None
    ) -> subprocess.Popen[bytes]:
        """A long-running process of the image (web, relay, worker...), in a session of its own
        so that devstack's stop_process stops it and whatever it started. Its standard output
        goes to `log`, and so does its standard error unless `stderr` names a file for it."""
        if stderr is None:
            return start_process(self.command(*args), self.environment(**env), log)
        with log.open("wb") as out, stderr.open("wb") as err:
            return subprocess.Popen(
                self.command(*args), env=self.environment(**env), stdout=out, stderr=err,
                start_new_session=True,
            )  # fmt: skip

    def run(
        self, *args: str, env: dict[str, str], timeout: float = 120, entrypoint: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """A one-off process of the image (migrate, a manage.py command, the HEALTHCHECK)."""
        return subprocess.run(
            self.command(*args, entrypoint=entrypoint), env=self.environment(**env),
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
