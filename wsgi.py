"""Entry point for `flask --app wsgi` and gunicorn (`gunicorn wsgi:app`)."""

from smp_hygiene import create_app

app = create_app()
