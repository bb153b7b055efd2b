# The two commands of the README: `make demo` and `make test`. Both build their own virtualenv from pinned
# versions (constraints.txt), so a fresh machine with only Python 3.11 needs nothing else.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml lookalike/pyproject.toml constraints.txt | sha1sum | cut -c1-12)

.PHONY: demo test test-compat lint format bench soak browser redis postgresql dist clean

$(STAMP): pyproject.toml lookalike/pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	# the provider, and the lookalike the tests, the demo and the benchmarks run (a distribution of its own)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]" -e ./lookalike
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

# Debian's chromium for the browser tests (Playwright cannot download its own browser here), and Debian's
# redis-server, the Celery broker of the CeleryExecutor fleet test (the test starts and stops its own instance).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

redis:
	@command -v redis-server >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq redis-server >/dev/null; }

# Debian's PostgreSQL server, the database of the load tests and the warehouse benchmark: they start and stop their
# own server (initdb in a temporary folder, a free loopback port; benchmarks/postgres.py), never the system's.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql >/dev/null; }

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

test: $(STAMP) browser redis postgresql
	$(BIN)/python -m pytest tests

# The reduced suite (tests marked `compat`: connection form, hook, an export through dag.test(), the refresh
# operator, the token sensor) on each older Airflow line, in a virtualenv of its own installed from that line's
# pinned constraints (constraints/airflow-LINE.txt: docs/compatibility.md says how they were made). The full suite
# runs on 3.3 (`make test`). The file pins every package of the venv, pytest included. A line's venv is rebuilt only when its constraints or the package metadata change.
COMPAT_LINES := 2.11 3.0 3.1 3.2
COMPAT_TESTS := tests/airflow/test_hook.py tests/airflow/test_connection_form_every_line.py \
	tests/airflow/test_compat_features.py tests/operators/test_to_storage.py tests/operators/test_refresh_token.py \
	tests/operators/test_token_sensor.py

.venv-airflow-%/.installed: constraints/airflow-%.txt pyproject.toml lookalike/pyproject.toml
	rm -rf .venv-airflow-$*
	$(PYTHON) -m venv .venv-airflow-$*
	.venv-airflow-$*/bin/python -m pip install --quiet --upgrade "pip>=24"
	.venv-airflow-$*/bin/python -m pip install --quiet -r constraints/airflow-$*.txt -e . -e ./lookalike
	touch $@

test-compat: $(foreach line,$(COMPAT_LINES),.venv-airflow-$(line)/.installed)
	@for line in $(COMPAT_LINES); do \
	  echo "== Airflow $$line: the reduced suite (pytest -m compat)"; \
	  .venv-airflow-$$line/bin/python -m pytest -m compat $(COMPAT_TESTS) || exit 1; \
	done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) postgresql
	$(BIN)/python -m benchmarks

# Exports from a lookalike that changes and misbehaves during every walk: records lost, doubled, hangs.
soak: $(STAMP)
	$(BIN)/python -m benchmarks soak

# The wheel and sdist a user installs (dist/), checked as a package index checks an upload.
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/python -m twine check --strict dist/*

clean:
	rm -rf $(VENV) .venv-airflow-* demo-output test-artifacts dist build
