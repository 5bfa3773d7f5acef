# The commands the README shows. `make run` and `make test` set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
WEB_CONCURRENCY ?= 2
# Empty: app/server/gunicorn_conf.py picks the threads for the database (32 SQLite, 16 PostgreSQL).
WEB_THREADS ?=
PYTEST_ARGS ?=

.PHONY: install install-dev run dev serve upgrade test test-fast lint bench bench-quick clean

# Serving needs only the app's own dependencies; tests, lint and the
# benchmark add the development extras (pyproject.toml) to the same venv.
install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

upgrade: install
	$(FLASK) db upgrade

# `make run` and `make serve` both serve with gunicorn, as in production; its
# settings (app/server/gunicorn_conf.py) are shared with the benchmark and the
# durability tests. For Flask's reloading debug server: `make dev`.
run: serve

dev: upgrade
	$(FLASK) bootstrap --url http://$(HOST):$(PORT)
	$(FLASK) run --debug --host $(HOST) --port $(PORT)

serve: upgrade
	$(FLASK) bootstrap --url http://$(HOST):$(PORT)
	WEB_CONCURRENCY=$(WEB_CONCURRENCY) WEB_THREADS=$(WEB_THREADS) \
		$(BIN)/gunicorn -c app/server/gunicorn_conf.py --bind $(HOST):$(PORT) 'app:create_app()'

# First, alone, the tests that stop PostgreSQL, only when TEST_DATABASE_URL names
# the server (never one tests/conftest.py found running by itself); pytest's exit
# code 5, "nothing collected", is fine there. Then everything else in parallel.
test: install-dev
	if [ -n "$$TEST_DATABASE_URL" ]; then $(BIN)/pytest -m outage $(PYTEST_ARGS) || [ $$? -eq 5 ]; fi
	$(BIN)/pytest -n auto -m "not outage" $(PYTEST_ARGS)

test-fast: install-dev
	$(BIN)/pytest -n auto -m "not browser and not slow and not outage" $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	@# Only storage knows one database from another.
	@! grep -rnw dialect app --include='*.py' | grep -v '^app/storage/' || \
		{ echo "'dialect' outside app/storage/"; exit 1; }

bench: install-dev
	$(BIN)/python -m bench

bench-quick: install-dev
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
