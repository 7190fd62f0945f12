"""A production-shaped Archboard on 127.0.0.1, for the cluster test (tests/cluster/).

One throwaway PostgreSQL and one Redis; the migration and the content sync run once,
as their own steps; then two app instances under gunicorn (the project's
gunicorn.conf.py), two `flask worker` processes and nginx balancing between the
instances. Every process shares one SECRET_KEY, DATABASE_URL, REDIS_URL and
CONTENT_DIR, writes its output to a file in the cluster's folder and runs in a
process group of its own, so ``kill`` stops it whole (gunicorn's workers, a
worker's sandboxed runs) as a crash would.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.postgres import PostgresServer, start_postgres
from tests.support.redis import start_redis
from tests.support.tools import free_port

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 60

NGINX_CONF = """\
{user}worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log info;
events {{ worker_connections 512; }}
http {{
    access_log {root}/nginx-access.log;
    client_body_temp_path {root}/nginx-temp/body;
    proxy_temp_path {root}/nginx-temp/proxy;
    fastcgi_temp_path {root}/nginx-temp/fastcgi;
    uwsgi_temp_path {root}/nginx-temp/uwsgi;
    scgi_temp_path {root}/nginx-temp/scgi;
    client_max_body_size 25m;
    upstream archboard {{
{servers}
        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://archboard;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            # A dead instance refuses the connection: the request goes to the other
            # one (a POST too, as nothing of it was sent), and the dead one is left
            # out for fail_timeout after max_fails such failures.
            proxy_next_upstream error timeout http_502;
            proxy_connect_timeout 2s;
        }}
    }}
}}
"""


def tool_problem() -> str | None:
    """Why the cluster cannot be started on this machine, or None."""
    from app.grading.runner.sandbox import sandbox_problem

    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        return "nginx is not installed (apt-get install nginx)"
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (apt-get install redis-server)"
    return sandbox_problem()


def nginx_binary() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass
class Service:
    """One process of the cluster: its command, its log and, once started, the process."""

    name: str
    command: list[str]
    log: Path
    env: dict[str, str]
    port: int | None = None
    process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash or an OOM kill would."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Cluster:
    root: Path
    env: dict[str, str]
    postgres: PostgresServer
    redis: subprocess.Popen
    instances: list[Service] = field(default_factory=list)
    workers: list[Service] = field(default_factory=list)
    nginx: Service | None = None

    @property
    def url(self) -> str:
        """The address people use: nginx."""
        assert self.nginx is not None and self.nginx.port is not None
        return f"http://127.0.0.1:{self.nginx.port}"

    def instance_url(self, instance: Service) -> str:
        return f"http://127.0.0.1:{instance.port}"

    def services(self) -> list[Service]:
        return [*self.instances, *self.workers, *([self.nginx] if self.nginx else [])]

    def access_ids(self, instance: Service) -> set[str]:
        """The request ids of the access lines in an instance's log (its JSON lines)."""
        ids = set()
        for line in instance.log.read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("logger") == "archboard.access" and entry.get("request_id"):
                ids.add(entry["request_id"])
        return ids

    def worker_running_code(self) -> Service | None:
        """The live worker with a child process (a sandboxed run), if one has."""
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name in brackets may hold spaces: the fields after it are fixed.
            fields = stat[stat.rindex(")") + 2:].split()
            parents[int(entry.name)] = int(fields[1])
        for worker in self.workers:
            if worker.running and worker.process is not None \
                    and worker.process.pid in parents.values():
                return worker
        return None

    def report(self) -> str:
        """The tails of every log, for a failure's report."""
        parts = [f"--- {service.name} ({service.log}) ---\n{service.tail()}"
                 for service in self.services()]
        for name in ("nginx-error.log", "migrate.log", "content.log"):
            path = self.root / name
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()[-8:]
                parts.append(f"--- {name} ---\n" + "\n".join(lines))
        return "\n".join(parts)

    def stop(self) -> None:
        for service in self.services():
            service.kill()
        self.redis.kill()
        self.redis.wait(timeout=10)
        self.postgres.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def _command(root: Path, env: dict[str, str], log_name: str, *args: str) -> None:
    """Run one `flask` step (migration, content sync) to the end, its output to a file."""
    log = root / log_name
    with open(log, "wb") as out:
        finished = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                                  cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=120, check=False)
    if finished.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{log.read_text()[-2000:]}")


def _wait_until(ready, what: str, service: Service | None = None) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not ready():
        if service is not None and not service.running:
            raise RuntimeError(f"{what} exited while starting:\n{service.tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start in {START_SECONDS} s")
        time.sleep(0.2)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_cluster(settings: dict[str, str]) -> Cluster | str:
    """Start the whole cluster with ``settings`` added to every process's environment.

    Returns the running cluster, or why it cannot be had on this machine.
    """
    postgres = start_postgres()
    if isinstance(postgres, str):
        return postgres
    started = start_redis()
    if isinstance(started, str):
        postgres.stop()
        return started
    redis_process, redis_url = started
    root = Path(tempfile.mkdtemp(prefix="archboard-cluster-"))
    content = root / "content"
    for folder in ("prompts", "rubrics"):
        shutil.copytree(ROOT / folder, content / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # nginx's port is chosen first: it is the address people open, so links in emails use it.
    public_port = free_port()
    env = {
        "BASE_URL": f"http://127.0.0.1:{public_port}",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "ARCHBOARD_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": postgres.url,
        "REDIS_URL": redis_url,
        "CONTENT_DIR": str(content),
        "TRUSTED_PROXIES": "1",
        "LOG_FORMAT": "json",
        # Plain HTTP on 127.0.0.1: a Secure cookie would never come back.
        "SESSION_COOKIE_SECURE": "false",
        "JOBS_SQLITE_PATH": str(root / "unused-jobs.sqlite"),
        **settings,
    }
    cluster = Cluster(root=root, env=env, postgres=postgres, redis=redis_process)
    try:
        # Once, before any process serves, as a deploy would.
        _command(root, env, "migrate.log", "db", "upgrade")
        _command(root, env, "content.log", "content", "sync")
        for name in ("a", "b"):
            port = free_port()
            cluster.instances.append(Service(
                f"instance {name}",
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
                root / f"instance-{name}.log",
                {**env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "2"},
                port=port))
        for n in (1, 2):
            cluster.workers.append(Service(
                f"worker {n}", [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                root / f"worker-{n}.log", dict(env)))
        for service in (*cluster.instances, *cluster.workers):
            service.start()
        for instance in cluster.instances:
            _wait_until(lambda i=instance: _answers(f"{cluster.instance_url(i)}/readyz"),
                        instance.name, instance)
        for worker in cluster.workers:
            _wait_until(lambda w=worker: "worker: " in w.log.read_text(errors="replace"),
                        worker.name, worker)
        cluster.nginx = _nginx(root, [i.port for i in cluster.instances if i.port], env,
                               public_port)
        cluster.nginx.start()
        _wait_until(lambda: _answers(f"{cluster.url}/healthz"), "nginx", cluster.nginx)
    except BaseException:
        print(cluster.report())
        cluster.stop()
        raise
    return cluster


def _nginx(root: Path, ports: list[int], env: dict[str, str], port: int) -> Service:
    (root / "nginx-temp").mkdir()
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;"
                        for p in ports)
    # As root nginx would hand its workers to "nobody", who cannot write the temp dir.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = root / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user=user, root=root, servers=servers, port=port))
    return Service("nginx", [nginx_binary(), "-c", str(conf), "-p", str(root),
                             "-e", str(root / "nginx-error.log"), "-g", "daemon off;"],
                   root / "nginx.log", env, port=port)
