"""Files that hold personal data on this machine (the file SMS backend's log, the file e-mail
backend's messages): each created 0600 in a folder kept 0700, so that another user of the
machine reads neither the messages nor, in the folder, who was sent one.

A folder that exists already is narrowed to 0700 when this process owns it; one it does not own
(a shared folder set up by hand) is left as it is, since changing it is its owner's call.
"""

import os
from pathlib import Path
from typing import Any, TextIO, cast

from django.core.mail.backends.filebased import EmailBackend

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(folder: Path) -> Path:
    """`folder`, made if need be, and narrowed to 0700 when this process owns it."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if folder.stat().st_uid == os.geteuid() and folder.stat().st_mode & 0o777 != FOLDER_MODE:
        folder.chmod(FOLDER_MODE)
    return folder


def private_append(path: Path) -> int:
    """A descriptor appending to `path`, created 0600 (an older file is narrowed to 0600)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    if os.fstat(descriptor).st_mode & 0o777 != FILE_MODE:
        os.fchmod(descriptor, FILE_MODE)
    return descriptor


class PrivateFileEmailBackend(EmailBackend):
    """Django's file e-mail backend (one file per connection under EMAIL_FILE_PATH), with its
    folder 0700 and its files 0600: each message names its person, their e-mail and booking."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        private_folder(Path(self.file_path))

    def open(self) -> bool:
        if self.stream is None:
            name = self._get_filename()
            self.stream = cast(TextIO, os.fdopen(private_append(Path(name)), "ab"))
            return True
        return False
