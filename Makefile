# xinjumin: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup browser run test test-fast lint bench migrate demo clean-db

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev,spark]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# Debian's Chromium for the browser tests, installed when missing (or the command to run).
browser:
	@.ci/chromium

migrate: setup
	$(BIN)/xjm migrate --no-input

demo: migrate
	$(BIN)/xjm load_demo

run: demo
	$(BIN)/xjm collectstatic --no-input -v 0
	@$(BIN)/xjm demo_logins
	$(BIN)/xjm serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	XJM_ENV=test $(BIN)/xjm makemigrations --check --dry-run

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	XJM_ENV=test $(BIN)/xjm makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/python -m pytest -m "not browser and not spark and not slow" $(PYTEST_ARGS)

# wrk (Debian's) is the API bench's load generator, installed when missing
bench: setup
	@.ci/apt-need "the API bench" wrk
	$(BIN)/python -m bench $(BENCH_ARGS)

clean-db:
	rm -f var/xinjumin.sqlite3* var/huey.sqlite3*
