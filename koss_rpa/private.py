"""Folders and files private to the user, whatever the umask: the state folder, run folders and
every piece of evidence (pages, traces and screenshots hold the account's name, mail address and
bank account IDs).

On POSIX systems folders are made 0700 and files 0600. On Windows a file's mode is only its
read-only flag; the user's profile folders (where koss-rpa keeps all of these by default) are
private to the user by their access lists, which new files inherit.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
_POSIX = os.name == "posix"


def private_dir(folder: Path) -> Path:
    """`folder`, created if needed (with its parents), made readable by the user alone."""
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    if _POSIX:
        folder.chmod(FOLDER_MODE)
    return folder


def make_private(path: Path) -> None:
    """A file or folder koss-rpa wrote, made readable by the user alone (never following a
    link: it may point anywhere)."""
    if not _POSIX or path.is_symlink():
        return
    with contextlib.suppress(OSError):
        path.chmod(FOLDER_MODE if path.is_dir() else FILE_MODE)


def make_private_tree(folder: Path) -> None:
    """`folder` and everything in it (links left alone), readable by the user alone."""
    if not _POSIX or folder.is_symlink() or not folder.is_dir():
        return
    make_private(folder)
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            make_private(Path(root) / name)
