"""Entry point for `flask --app wsgi` and gunicorn (`gunicorn wsgi:app`)."""

from smp_hygiene.app import create_app

app = create_app()
