"""gunicorn settings for serving Archboard: ``gunicorn --config gunicorn.conf.py wsgi:app``.

Read from the environment, like the app's own settings (README, "Running in
production"). The app logs one access line per request itself, with the request
id, so gunicorn's access log stays off rather than writing every request twice.
"""

import os

from app.config import default_log_format


def _cores() -> int:
    # The cores this process may use (a container's CPU set), not the host's.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # platforms without sched_getaffinity
        return os.cpu_count() or 1


bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '8000'}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cores() + 1)
# A request taking longer than this has a stuck worker: gunicorn restarts it.
timeout = 30
# On SIGTERM (a deploy), requests in flight get this long to finish.
graceful_timeout = 30
# Seconds an idle keep-alive connection from the reverse proxy stays open.
keepalive = 5
# The app trusts X-Forwarded-* from TRUSTED_PROXIES hops (werkzeug's ProxyFix);
# gunicorn trusting its own list too would let a local client set the scheme.
forwarded_allow_ips = ""
accesslog = None
errorlog = "-"
loglevel = "info"

_log_format = (os.environ.get("LOG_FORMAT") or "").strip().lower() or default_log_format(
    (os.environ.get("ARCHBOARD_ENV") or "development").strip())
if _log_format == "json":
    # gunicorn's own lines (start, worker restarts, timeouts) and the app's,
    # all as JSON on stdout through the root logger.
    logconfig_dict = {
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
        },
        "formatters": {"generic": {"()": "app.logs.JsonFormatter"}},
    }
