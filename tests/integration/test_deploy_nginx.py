"""deploy/nginx-archboard.conf is a site nginx itself accepts.

docs/deployment.md has people install it as it is, with their own name and
certificate; `nginx -t` here reads it the same way, with a throwaway
self-signed certificate in place of Let's Encrypt's.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support.tools import missing_tool

ROOT = Path(__file__).resolve().parents[2]
LIVE = "/etc/letsencrypt/live/archboard.example.com"


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if found is None:
        missing_tool("nginx is not installed (apt-get install nginx)")
    return found


def check(site_text: str, tmp_path: Path) -> subprocess.CompletedProcess:
    nginx = nginx_binary()
    if shutil.which("openssl") is None:
        missing_tool("openssl is not installed (apt-get install openssl)")
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=archboard.example.com", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    site = tmp_path / "archboard.conf"
    site.write_text(site_text.replace(f"{LIVE}/fullchain.pem", str(cert))
                    .replace(f"{LIVE}/privkey.pem", str(key)))
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\n"
        "events {}\n"
        "http {\n"
        f"    access_log {tmp_path}/access.log;\n"
        f"    client_body_temp_path {tmp_path}/body;\n"
        f"    proxy_temp_path {tmp_path}/proxy;\n"
        f"    include {site};\n"
        "}\n")
    return subprocess.run([nginx, "-t", "-q", "-c", str(main), "-p", str(tmp_path),
                           "-e", str(tmp_path / "error.log")],
                          capture_output=True, text=True, timeout=60)


def test_the_shipped_site_passes_nginx_own_check(tmp_path):
    site = (ROOT / "deploy" / "nginx-archboard.conf").read_text()
    done = check(site, tmp_path)
    assert done.returncode == 0, done.stderr


def test_the_check_refuses_a_broken_site(tmp_path):
    # The same check on a site with one directive misspelt: it can fail.
    site = (ROOT / "deploy" / "nginx-archboard.conf").read_text()
    done = check(site.replace("proxy_read_timeout", "proxy_read_timeuot"), tmp_path)
    assert done.returncode != 0
    assert "proxy_read_timeuot" in done.stderr
