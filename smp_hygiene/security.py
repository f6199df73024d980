"""Security headers for every response: a strict Content-Security-Policy and friends."""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline scripts or styles anywhere. 'wasm-unsafe-eval' lets the vendored zxing-wasm decoder
# compile its WebAssembly; it does not allow eval() of JavaScript.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

DEFAULT_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    # The chair page asks for the camera; nothing else does.
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}


def register(app: Flask) -> None:
    """Add the default headers; a header a view set itself (e.g. on /v/ pages) wins."""

    headers = dict(DEFAULT_HEADERS)
    if app.config["APP_ENV"] == "production":
        # Browsers then refuse plain HTTP to us for a year, so a cookie is never sent in clear.
        headers["Strict-Transport-Security"] = (
            f"max-age={app.config['HSTS_MAX_AGE']}; includeSubDomains"
        )

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response


def register_proxy(app: Flask) -> None:
    """Behind PROXY_FIX_HOPS reverse proxies, trust that many X-Forwarded-* hops, no more."""
    hops = app.config["PROXY_FIX_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )
