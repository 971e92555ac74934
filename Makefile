# みらいボイス — `make run` serves the app on the embedded default; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
FLASK  := $(BIN)/flask --app web
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: install run test test-all bench compose-smoke browser-deps services lint clean

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

## The production stack of docker-compose.yml end to end (a voice, an import, backup and restore); needs a
## Docker daemon with Compose, about 4 minutes; not part of `make test`
compose-smoke:
	python3 scripts/compose_smoke.py

## What the browser tests need from Debian, installed only when missing: Chromium (Playwright's own browser
## download does not work here) and a Japanese font. Without one Chromium draws every kana and kanji as a
## fallback box of another width, and the 320 px reflow checks measure boxes, not the text users see.
## fonts-noto-cjk is Noto Sans CJK JP, the Japanese font of Android phones (56.5 MB to download, 91 MB
## installed, 4-6 s here with the download); fontconfig brings the fc-list with which the browser tests
## refuse to run without a Japanese font.
browser-deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="chromium"; \
	fc-list -q 'Noto Sans CJK JP' 2>/dev/null || missing="$$missing fontconfig fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing"; \
	  as_root=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$as_root apt-get update -qq && \
	  $$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: install
	$(BIN)/ruff check models voices routing web classifier tests scripts

clean:
	rm -rf $(VENV) instance .pytest_cache
