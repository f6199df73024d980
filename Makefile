# Two entry points for a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export APP_ENV ?= development
POSTGRES_ADMIN_URL := postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: run test lint lock chromium system-libs vendor-js wrk bench bench-pg clean

# requirements.txt and requirements-dev.txt are locks made by `make lock` from the .in files: every
# package of the tree pinned with its hashes, so a package without a hash, or one the lock does not
# name, stops the install instead of floating.
PIP_INSTALL := $(PY) -m pip install --quiet --require-hashes --no-deps

$(VENV)/.run-deps: requirements.txt
	python3 -m venv $(VENV)
	$(PIP_INSTALL) -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

# Regenerates both locks after a change to requirements.in or requirements-dev.in, with pip-tools
# from a throwaway venv (not the project's). Pins already in a lock stay unless a .in change needs
# otherwise; `make lock LOCK_ARGS=--upgrade` moves every unpinned package to its newest release.
# The dev lock is compiled against the runtime lock, so both install the same runtime versions.
PIP_TOOLS := pip-tools==7.6.2
PIP_COMPILE := --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock:
	@set -e; tools=$$(mktemp -d); trap 'rm -rf "$$tools"' EXIT; \
	python3 -m venv "$$tools"; \
	"$$tools/bin/pip" install --quiet '$(PIP_TOOLS)'; \
	export CUSTOM_COMPILE_COMMAND="make lock"; \
	"$$tools/bin/pip-compile" $(PIP_COMPILE) $(LOCK_ARGS) --output-file requirements.txt requirements.in; \
	"$$tools/bin/pip-compile" $(PIP_COMPILE) $(LOCK_ARGS) --output-file requirements-dev.txt requirements-dev.in

# WeasyPrint (record and report PDFs) warns at import without HarfBuzz-Subset, and the suite turns
# warnings into errors: install Debian's library when it is missing.
system-libs:
	@ldconfig -p | grep -q libharfbuzz-subset.so.0 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libharfbuzz-subset0 >/dev/null; }

# Browser tests drive Debian's Chromium; Playwright's own browser download is not possible here.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

run: $(VENV)/.run-deps system-libs
	$(FLASK) db upgrade
	$(FLASK) demo-data
	$(FLASK) run --host 127.0.0.1 --port 5000

# The second pass leaves out the tests marked postgres: they bring their own PostgreSQL database
# whatever TEST_DATABASE says, so the first pass has already run them against it.
test: $(VENV)/.dev-deps system-libs chromium lint
	$(PY) -m pytest -q -n 2 --dist loadfile
	@if $(PY) -c "import psycopg; psycopg.connect('$(POSTGRES_ADMIN_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== the same suite again on PostgreSQL (browser and PostgreSQL-only tests excepted) =="; \
	  TEST_DATABASE=postgres $(PY) -m pytest -q -n 2 --dist loadfile --ignore=tests/e2e -m "not server and not postgres"; \
	else echo "PostgreSQL is not reachable on 127.0.0.1:5432: the PostgreSQL pass was skipped."; fi

lint: $(VENV)/.dev-deps
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/bandit -q -c pyproject.toml -r smp_hygiene

# Camera decoding: the barcode-detector polyfill (zxing-wasm inside), copied with its .wasm into
# static/vendor/ and committed, so a fresh clone and the chair page need neither npm nor a CDN.
# Run after changing the pinned version in package.json (then commit package-lock.json too).
VENDOR_BD := smp_hygiene/static/vendor/barcode-detector
# axe-core (Deque's accessibility engine) is for the browser tests only: never served by the app.
VENDOR_AXE := tests/e2e/vendor/axe-core
# The API's documentation page (/api/v1/docs): Swagger UI, served from here, never a CDN.
VENDOR_SWAGGER := smp_hygiene/static/vendor/swagger-ui
vendor-js:
	npm ci --no-audit --no-fund
	rm -rf $(VENDOR_BD) && mkdir -p $(VENDOR_BD)
	cp node_modules/barcode-detector/dist/es/ponyfill.js node_modules/barcode-detector/dist/es/zxing-exported.js $(VENDOR_BD)/
	cp node_modules/zxing-wasm/dist/reader/zxing_reader.wasm $(VENDOR_BD)/
	cp node_modules/barcode-detector/LICENSE $(VENDOR_BD)/LICENSE-barcode-detector
	cp node_modules/zxing-wasm/LICENSE $(VENDOR_BD)/LICENSE-zxing-wasm
	node -p '"barcode-detector " + require("./node_modules/barcode-detector/package.json").version + ", zxing-wasm " + require("./node_modules/zxing-wasm/package.json").version' > $(VENDOR_BD)/VERSION
	mkdir -p $(VENDOR_AXE)
	cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE $(VENDOR_AXE)/
	node -p '"axe-core " + require("./node_modules/axe-core/package.json").version' > $(VENDOR_AXE)/VERSION
	rm -rf $(VENDOR_SWAGGER) && mkdir -p $(VENDOR_SWAGGER)
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR_SWAGGER)/
	cp node_modules/swagger-ui-dist/LICENSE node_modules/swagger-ui-dist/NOTICE node_modules/swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt $(VENDOR_SWAGGER)/
	node -p '"swagger-ui-dist " + require("./node_modules/swagger-ui-dist/package.json").version' > $(VENDOR_SWAGGER)/VERSION

# The benchmark's load generator is Debian's wrk, so every machine loads the server the same way
# (bench/load.py falls back to a slower Python generator only where wrk cannot be installed).
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }

# The clinic-chain benchmark (issue 15, docs/benchmarks.md): BENCH_SCALE=1 is a million sealed
# sessions (seeding alone took 9.4 minutes on this 2-core machine, shared); 0.01 is a quick run.
# PostgreSQL runs at 0.2 (200,000 sessions) unless told otherwise, as the issue measures it.
# BENCH_ARGS passes options: "--keep DIR" keeps the seed, "--reuse DIR" measures it again, e.g.
# with "--code PATH --label before" for an older checkout (bench/run.py).
bench: $(VENV)/.dev-deps wrk
	$(PY) bench/run.py --database sqlite $(BENCH_ARGS)

bench-pg: export BENCH_SCALE ?= 0.2
bench-pg: $(VENV)/.dev-deps wrk
	$(PY) bench/run.py --database postgres $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
