# Two entry points that work on a fresh Debian machine with Python 3.11:
#   make run   — set up, migrate, load the demo company, serve on http://127.0.0.1:8000
#   make test  — set up and run the whole test suite (what CI runs)
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv

.PHONY: setup run test lint format schema bench clean system-deps

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

system-deps:
	@bash scripts/system-deps.sh

setup: $(UV) system-deps
	$(UV) sync --frozen --all-groups --quiet

run: setup
	$(VENV)/bin/ims serve --demo

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest -q

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schema: setup
	$(VENV)/bin/ims export-schema

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache
