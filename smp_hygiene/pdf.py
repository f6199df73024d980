"""HTML-to-PDF for reports, with WeasyPrint; templates are ordinary Jinja pages."""

from __future__ import annotations

from flask import Response, render_template
from weasyprint import HTML


def render_pdf(template: str, **context) -> bytes:
    """Render a Jinja template and print it to PDF bytes (no network: base_url is local)."""
    html = render_template(template, **context)
    return HTML(string=html, base_url=".").write_pdf()


def pdf_response(filename: str, template: str, **context) -> Response:
    return Response(
        render_pdf(template, **context),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
