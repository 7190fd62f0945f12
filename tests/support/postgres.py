"""A throwaway PostgreSQL cluster for the test run, in a temp dir, on a free port.

PostgreSQL refuses to run as root, so when the tests run as root the cluster is
created and started as the ``postgres`` system user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.tools import free_port

DATABASE = "archboard_test"
USER = "archboard"


def find_bindir() -> Path | None:
    """The newest PostgreSQL server binaries on this machine, or None."""
    override = os.environ.get("ARCHBOARD_PG_BINDIR")
    candidates = [override] if override else sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2])
    )
    for candidate in reversed(candidates):
        if candidate and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int
    run_as: str | None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        return ["runuser", "-u", self.run_as, "--", *cmd] if self.run_as else cmd

    def start(self) -> None:
        data, log = self.root / "data", self.root / "server.log"
        subprocess.run(
            self._cmd("initdb", "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8",
                      "--no-sync", "--no-instructions"),
            check=True, capture_output=True,
        )
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=100")
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60",
                      "start"),
            check=True, capture_output=True,
        )
        self._create_database()

    def _create_database(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(host="127.0.0.1", port=self.port, user=USER,
                                     dbname="postgres", autocommit=True) as conn:
                    conn.execute(f"CREATE DATABASE {DATABASE}")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def restart(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: as an operator would; ``immediate``: as a crash) and
        start it again on the same port and data: every open connection is cut."""
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.root / "data"), "-l", str(self.root / "server.log"),
                      "-m", mode, "-w", "-t", "60", "restart"),
            check=True, capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            self._cmd("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop"),
            check=False, capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres() -> PostgresServer | str:
    """Start a cluster and return it, or return why it cannot be had."""
    bindir = find_bindir()
    if bindir is None:
        return "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin)"
    run_as = None
    root = Path(tempfile.mkdtemp(prefix="archboard-pg-"))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run PostgreSQL as"
        os.chown(root, account.pw_uid, account.pw_gid)
        run_as = "postgres"
    server = PostgresServer(bindir=bindir, root=root, port=free_port(), run_as=run_as)
    try:
        server.start()
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or b"").decode(errors="replace").strip().splitlines()[-1:]
        server.stop()
        return f"PostgreSQL failed to start: {' '.join(detail)}"
    return server
