# The app image: the same for the web servers, the migration step and the notification worker.
# Nothing secret is baked in; every secret comes from the environment at run time (compose.yaml).
FROM python:3.11-slim-bookworm

# WeasyPrint (record and report PDFs) needs Pango and HarfBuzz-Subset; curl-less health checks
# use Python itself.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt ./
# The lock pins every package with its hashes: a package not in it, or not matching, fails here.
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.txt

COPY smp_hygiene ./smp_hygiene
COPY templates ./templates
COPY migrations ./migrations
COPY wsgi.py gunicorn.conf.py ./

RUN useradd --create-home --uid 10001 smp && mkdir -p /app/instance /metrics \
 && chown smp /app/instance /metrics
USER smp

ENV APP_ENV=production \
    PYTHONUNBUFFERED=1 \
    GUNICORN_BIND=0.0.0.0:8000 \
    PROMETHEUS_MULTIPROC_DIR=/metrics
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
