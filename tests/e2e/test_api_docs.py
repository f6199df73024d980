"""The API's documentation page in a real browser, under the app's own Content-Security-Policy:
Swagger UI loads from our static files and draws every resource, and the browser reports no
refused script, style or request."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_the_api_documentation_opens_offline_under_the_csp(page):
    refused, outside = [], []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.on("request", lambda r: outside.append(r.url) if "127.0.0.1" not in r.url else None)

    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock-tag")

    tags = page.locator(".opblock-tag").all_inner_texts()
    assert {"sessions", "recalls", "sterilisation", "lots"} <= {t.split("\n")[0] for t in tags}
    assert page.locator("button.authorize").count() == 1
    assert refused == []
    assert outside == []
