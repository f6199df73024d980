"""gunicorn.conf.py: the access log never holds a card token or a query string."""

from __future__ import annotations

import datetime
import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from hypothesis import given
from hypothesis import strategies as st

spec = importlib.util.spec_from_file_location(
    "gunicorn_conf", Path(__file__).parent.parent / "gunicorn.conf.py"
)
conf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conf)

TOKEN = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", min_size=8
)
QUERY = st.text(alphabet="abcdefghijklmnopqrstuvwxyz=&%+Jordan0123456789", min_size=1)


def _log_line(path: str, query: str = "", referer: str = "-") -> str:
    """One access-log line, as gunicorn would write it, for a fake request."""
    config = Config()
    config.set("access_log_format", conf.access_log_format)
    logger = conf.RedactingLogger(config)
    raw_uri = f"{path}?{query}" if query else path
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw_uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "pytest",
    }
    resp = SimpleNamespace(status="200 OK", sent=512, headers=[])
    req = SimpleNamespace(headers=[("REFERER", referer)])
    atoms = logger.atoms(resp, req, environ, datetime.timedelta(milliseconds=12))
    return conf.access_log_format % atoms + " " + " ".join(str(v) for v in atoms.values())


@given(token=TOKEN, suffix=st.sampled_from(["", "/record.pdf", "/qr.png", "/qr.svg"]))
def test_a_card_token_never_reaches_the_access_log(token, suffix):
    line = _log_line(f"/v/{token}{suffix}", referer=f"https://clinic.test/v/{token}")

    assert token not in line
    assert f'"GET /v/…{suffix} HTTP/1.1" 200 512' in line


@given(query=QUERY)
def test_a_query_string_never_reaches_the_access_log(query):
    line = _log_line("/audit/clients", query=f"q={query}")

    assert f"q={query}" not in line
    assert '"GET /audit/clients HTTP/1.1" 200' in line


@pytest.mark.parametrize(
    ("raw", "logged"),
    [
        ("GET /v/Abc123_-xyz HTTP/1.1", "GET /v/… HTTP/1.1"),
        ("GET /chair/clients?q=Jordan+Mensah HTTP/1.1", "GET /chair/clients HTTP/1.1"),
        ("GET /v/tok/record.pdf?download=1 HTTP/1.1", "GET /v/…/record.pdf HTTP/1.1"),
        ("GET /chair/ HTTP/1.1", "GET /chair/ HTTP/1.1"),
    ],
)
def test_redact_keeps_the_route_and_drops_the_secret(raw, logged):
    assert conf.redact(raw) == logged


def test_the_production_config_uses_the_redacting_logger():
    assert conf.logger_class is conf.RedactingLogger
