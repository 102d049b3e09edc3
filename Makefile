# SampleMind AI. `make run` and `make test` work on a fresh machine: they install uv (from PyPI)
# and the locked environment first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(PYTHON) -m uv
endif
RUN := $(UV) run --frozen
DEMO_DIR ?= demo-library

.PHONY: help setup run test lint typecheck contracts pytest bench corpus clean

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

setup:  ## install uv (if missing) and the locked virtual environment
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || \
		$(PYTHON) -m pip install --quiet --user uv || \
		$(PYTHON) -m pip install --quiet --user --break-system-packages uv
	@$(UV) sync --frozen --quiet

run: setup  ## create a demo library and analyze it
	$(RUN) samplemind demo $(DEMO_DIR) --overwrite
	$(RUN) samplemind analyze $(DEMO_DIR)

lint: setup  ## ruff lint and format check
	$(RUN) ruff check src tests benchmarks
	$(RUN) ruff format --check src tests benchmarks

typecheck: setup  ## mypy, strict, on src/
	$(RUN) mypy

contracts: setup  ## import-linter: the layer rules of docs/architecture.md
	$(RUN) lint-imports

pytest: setup  ## the test suite with coverage (fails under 89% of src/)
	$(RUN) pytest --cov=samplemind --cov-report=term --cov-fail-under=89

test: lint typecheck contracts pytest  ## everything CI runs

bench: setup  ## accuracy and speed against librosa and plain Essentia (needs fluidsynth)
	$(RUN) python -m benchmarks.corpus /tmp/samplemind-corpus --size full --split val
	$(RUN) python -m benchmarks.accuracy /tmp/samplemind-corpus

clean:
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache .coverage .coverage.* $(DEMO_DIR)
