"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

The access log keeps method, status, size and timing but never a patient's card token (`/v/<token>`
paths, also in the Referer) nor a query string (client-name searches, filters): a log file is read
by more people, and kept longer, than the records it describes.
"""

from __future__ import annotations

import os
import re

from gunicorn.glogging import Logger
from prometheus_client import multiprocess

TOKEN_PATH = re.compile(r"/v/[^/?#\s\"]+")
QUERY = re.compile(r"\?[^\s\"]*")
# Atoms that may carry a URL (also the `{...}e` environ and `{...}i` header copies of it).
URL_ATOMS = ("r", "U", "f")
URL_WORDS = ("uri", "path", "referer", "url")
QUERY_ATOMS = ("q", "{query_string}e")


def redact(text: str) -> str:
    """`/v/<token>` becomes `/v/…` and any query string is dropped."""
    return QUERY.sub("", TOKEN_PATH.sub("/v/…", text))


class RedactingLogger(Logger):
    """gunicorn's logger, with tokens and query strings taken out of every access-log atom."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if not isinstance(value, str):
                continue
            # A token is a secret wherever it shows up; a query only where a URL can be.
            is_url = key in URL_ATOMS or any(word in key for word in URL_WORDS)
            atoms[key] = redact(value) if is_url else TOKEN_PATH.sub("/v/…", value)
        for key in QUERY_ATOMS:
            if key in atoms:
                atoms[key] = ""
        return atoms


logger_class = RedactingLogger
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# A worker that hangs (a stuck PDF render, a lost database) is killed and replaced after this.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5


def on_starting(server) -> None:
    """Metrics shared between workers live in files: start each run with none left over."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory and os.path.isdir(directory):
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))


def child_exit(server, worker) -> None:
    """A worker gone: its live gauges must stop counting (prometheus_client multiprocess)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
