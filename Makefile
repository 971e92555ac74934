# みらいボイス — `make run` serves the app on the embedded default; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
FLASK  := $(BIN)/flask --app web
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install run test test-all bench browser-deps services lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP)

## Set up and serve on SQLite with in-process jobs: http://127.0.0.1:5000
## The embedded default whatever the shell exports: a production DATABASE_URL or REDIS_URL left in the
## environment must not receive the demo accounts.
DEMO_ENV := env -u DATABASE_URL -u REDIS_URL -u MIRAI_INSTANCE_DIR -u MIRAI_MODEL_DIR -u MIRAI_CORPUS_DIR
run: install
	$(DEMO_ENV) $(FLASK) db upgrade
	$(DEMO_ENV) $(FLASK) model-ensure
	$(DEMO_ENV) $(FLASK) search-reindex
	$(DEMO_ENV) $(FLASK) seed --demo
	$(DEMO_ENV) $(FLASK) run --host $(HOST) --port $(PORT)

## The whole test suite (needs PostgreSQL and Redis on 127.0.0.1; .ci/run starts them)
test: install browser-deps
	$(BIN)/python -m pytest

## Benchmarks and other slow checks, not part of `make test`
bench: install
	$(BIN)/python -m pytest -m slow

## Debian's Chromium for the Playwright tests (Playwright's own browser download does not work here)
browser-deps:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

lint: install
	$(BIN)/ruff check models voices routing web classifier tests scripts

clean:
	rm -rf $(VENV) instance .pytest_cache
