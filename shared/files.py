"""Files in the data folder: a lock across processes, and writes that are never seen half done."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import mmap
import os
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Final


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_file`` (created when missing) for the block."""
    with open(lock_file, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def try_exclusive(lock_file: Path) -> IO[str] | None:
    """An exclusive ``flock`` on ``lock_file`` taken without waiting: the open file, which holds the lock
    as long as it stays open (or the process lives), or None when another process holds it."""
    handle = open(lock_file, "a+")  # noqa: SIM115 - the open file is the lock
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.close()
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return None
        raise
    return handle


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` through a private staging file renamed over it, synced first."""
    staging = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(staging, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(staging)
        raise


_COUNTER: Final = struct.Struct("<Q")


class SharedCounters:
    """Counters in a file that every process of the sandbox maps into memory: the processes of one
    sandbox share its data folder (``esante up --workers``, the containers of docker-compose on their
    volume). A process moves a counter after it committed a change that the others hold in memory; a
    reader compares a counter with the value it saw before it read the database (a memory read, no
    system call). A process on another machine, on a data folder of its own, would not see them move."""

    def __init__(self, path: Path, count: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        size = _COUNTER.size * count
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            with exclusive(path):
                if os.fstat(fd).st_size < size:
                    os.ftruncate(fd, size)
            self._map = mmap.mmap(fd, size)
        finally:
            os.close(fd)

    def current(self, index: int) -> int:
        value: int = _COUNTER.unpack_from(self._map, index * _COUNTER.size)[0]
        return value

    def bump(self, index: int) -> tuple[int, int]:
        """Move counter ``index``: (its value before, after)."""
        with exclusive(self._path):
            before = self.current(index)
            after = (before + 1) % 2**64
            _COUNTER.pack_into(self._map, index * _COUNTER.size, after)
        return before, after

    def close(self) -> None:
        self._map.close()
