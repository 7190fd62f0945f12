"""A memory cgroup per test run, so every byte a run holds counts against one limit.

rlimits bound each process's address space, but not memory a process does not
map: files on a tmpfs, memfds, System V shared memory. A memory cgroup charges
all of them, for every process of the run together; when the run goes over,
the kernel kills it inside the group and the group records it.

Both cgroup versions are supported: v1 (a writable ``memory`` hierarchy) and
v2 (a delegated subtree whose ``cgroup.subtree_control`` enables ``memory``).
Where neither can be written, ``MemoryGroup.create`` returns None and the run
relies on its size-capped tmpfs mounts and rlimits alone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def _own_path(controller: str) -> str | None:
    """This process's cgroup path for a v1 controller, or for v2 when ``controller`` is ''."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        number, controllers, path = line.split(":", 2)
        if (controller and controller in controllers.split(",")) or \
                (not controller and number == "0" and controllers == ""):
            return path
    return None


def _v1_parent() -> Path | None:
    path = _own_path("memory")
    base = ROOT / "memory"
    if path is None or not (base / "memory.limit_in_bytes").exists():
        return None
    parent = base / path.lstrip("/")
    return parent if os.access(parent, os.W_OK) else None


def _v2_parent() -> Path | None:
    path = _own_path("")
    if path is None:
        return None
    for mount in (ROOT, ROOT / "unified"):
        parent = mount / path.lstrip("/")
        control = parent / "cgroup.subtree_control"
        try:
            enabled = control.read_text().split()
        except OSError:
            continue
        if "memory" in enabled and os.access(parent, os.W_OK):
            return parent
    return None


@dataclass
class MemoryGroup:
    """One run's memory cgroup: join it before exec, read what happened, remove it."""

    path: Path
    version: int

    @classmethod
    def create(cls, name: str, limit_bytes: int, owner_uid: int | None) -> MemoryGroup | None:
        """A fresh group limited to ``limit_bytes`` (memory and swap), or None if unavailable."""
        for version, parent in ((1, _v1_parent()), (2, _v2_parent())):
            if parent is None:
                continue
            path = parent / name
            try:
                if path.exists():
                    path.rmdir()
                path.mkdir()
                group = cls(path, version)
                group._limit(limit_bytes)
                if owner_uid is not None and os.geteuid() == 0:
                    os.chown(path / "cgroup.procs", owner_uid, -1)
                return group
            except OSError:
                shutil.rmtree(path, ignore_errors=True)
                continue
        return None

    def _limit(self, limit_bytes: int) -> None:
        if self.version == 1:
            (self.path / "memory.limit_in_bytes").write_text(str(limit_bytes))
            swap = self.path / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(str(limit_bytes))
        else:
            (self.path / "memory.max").write_text(str(limit_bytes))
            swap = self.path / "memory.swap.max"
            if swap.exists():
                swap.write_text("0")

    def join_and_exec(self, command: list[str]) -> list[str]:
        """``command`` behind a shell that moves itself into the group, then execs it.

        The shell runs as the run's uid; the group's ``cgroup.procs`` is owned
        by that uid, so it may move itself in. No Python runs in the child.
        """
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"',
                str(self.path / "cgroup.procs"), *command]

    def oom_killed(self) -> bool:
        try:
            if self.version == 1:
                text = (self.path / "memory.oom_control").read_text()
                key = "oom_kill"
            else:
                text = (self.path / "memory.events").read_text()
                key = "oom_kill"
        except OSError:
            return False
        for line in text.splitlines():
            name, _, value = line.partition(" ")
            if name == key and value.strip().isdigit():
                return int(value) > 0
        return False

    def peak_bytes(self) -> int | None:
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int((self.path / name).read_text())
        except (OSError, ValueError):
            return None

    def remove(self) -> None:
        """Remove the group; its processes are already gone (the run's uid was emptied)."""
        with contextlib.suppress(OSError):
            self.path.rmdir()
