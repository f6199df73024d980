"""Security headers for every response: a strict Content-Security-Policy and friends."""

from __future__ import annotations

from flask import Flask, Response

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

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        for name, value in DEFAULT_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
