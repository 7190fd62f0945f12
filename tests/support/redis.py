"""A throwaway redis-server on a free loopback port."""

from __future__ import annotations

import shutil
import subprocess
import time

import redis

from tests.support.tools import free_port


def start_redis() -> tuple[subprocess.Popen, str] | str:
    """Start redis-server and return (process, url), or why it cannot be had."""
    binary = shutil.which("redis-server")
    if binary is None:
        return "redis-server is not installed (apt-get install redis-server)"
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            return process, url
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                return "redis-server did not start"
            time.sleep(0.05)
