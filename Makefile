# The commands the README shows. `make run` and `make test` set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
WEB_CONCURRENCY ?= 2
# Empty: app/gunicorn_conf.py picks the threads for the database (32 SQLite, 16 PostgreSQL).
WEB_THREADS ?=
PYTEST_ARGS ?=

.PHONY: install run serve upgrade test test-fast lint bench bench-quick clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

upgrade: install
	$(FLASK) db upgrade

run: upgrade
	$(FLASK) bootstrap --url http://$(HOST):$(PORT)
	$(FLASK) run --host $(HOST) --port $(PORT)

# gunicorn's settings (threaded workers, a listening socket per worker) are
# in app/gunicorn_conf.py, shared with the benchmark and the durability tests.
serve: upgrade
	$(FLASK) bootstrap --url http://$(HOST):$(PORT)
	WEB_CONCURRENCY=$(WEB_CONCURRENCY) WEB_THREADS=$(WEB_THREADS) \
		$(BIN)/gunicorn -c app/gunicorn_conf.py --bind $(HOST):$(PORT) 'app:create_app()'

# First, alone, the tests that stop PostgreSQL, only when TEST_DATABASE_URL names
# the server (never one tests/conftest.py found running by itself); pytest's exit
# code 5, "nothing collected", is fine there. Then everything else in parallel.
test: install
	if [ -n "$$TEST_DATABASE_URL" ]; then $(BIN)/pytest -m outage $(PYTEST_ARGS) || [ $$? -eq 5 ]; fi
	$(BIN)/pytest -n auto -m "not outage" $(PYTEST_ARGS)

test-fast: install
	$(BIN)/pytest -n auto -m "not browser and not slow and not outage" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/mypy

bench: install
	$(BIN)/python -m bench

bench-quick: install
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
