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

.PHONY: help setup run test lint typecheck contracts pytest bench train clean web web-test client web-bench

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

setup:  ## install uv (if missing) and the locked virtual environment
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || \
		$(PYTHON) -m pip install --quiet --user uv || \
		$(PYTHON) -m pip install --quiet --user --break-system-packages uv
	@$(UV) sync --frozen --quiet

DEMO_DATA ?= .demo-data
PORT ?= 8000
run: setup web  ## build the web app, create a demo library, scan it into $(DEMO_DATA), serve it on $(PORT)
	$(RUN) samplemind demo $(DEMO_DIR) --overwrite
	SAMPLEMIND_DATA_DIR=$(DEMO_DATA) $(RUN) samplemind scan $(DEMO_DIR)
	SAMPLEMIND_DATA_DIR=$(DEMO_DATA) $(RUN) samplemind search 'is:loop sort:bpm'
	SAMPLEMIND_DATA_DIR=$(DEMO_DATA) SAMPLEMIND_LIBRARY_FOLDERS='["$(abspath $(DEMO_DIR))"]' \
		$(RUN) samplemind serve --port $(PORT)

lint: setup  ## ruff lint and format check
	$(RUN) ruff check src tests benchmarks
	$(RUN) ruff format --check src tests benchmarks

typecheck: setup  ## mypy, strict, on src/
	$(RUN) mypy

contracts: setup  ## import-linter: the layer rules of docs/architecture.md
	$(RUN) lint-imports

pytest: setup  ## the test suite with coverage (fails under 89% of src/)
	$(RUN) pytest --cov=samplemind --cov-report=term --cov-fail-under=89

test: lint typecheck contracts pytest web-test  ## everything CI runs

BENCH_DIR ?= /tmp/samplemind-bench
bench: setup  ## accuracy and speed vs librosa and plain Essentia on rendered dev + val corpora
	@command -v fluidsynth >/dev/null || { echo "make bench renders MIDI: apt-get install fluidsynth \
		fluid-soundfont-gm timgm6mb-soundfont freepats timidity"; exit 1; }
	test -f $(BENCH_DIR)/dev/truth.csv || $(RUN) python -m benchmarks.corpus $(BENCH_DIR)/dev --size full --split dev
	test -f $(BENCH_DIR)/val/truth.csv || $(RUN) python -m benchmarks.corpus $(BENCH_DIR)/val --size full --split val
	$(RUN) python -m benchmarks.accuracy $(BENCH_DIR)/dev
	$(RUN) python -m benchmarks.accuracy $(BENCH_DIR)/val

# --- the web app (web/: React + Vite; docs/web.md) -----------------------------------------------
NPM := npm --prefix web
web/node_modules/.package-lock.json: web/package-lock.json
	@command -v npm >/dev/null || { echo "the web app needs Node.js >= 20.19 and npm (apt-get install nodejs npm)"; exit 1; }
	$(NPM) ci --no-audit --no-fund --loglevel=error

web: web/node_modules/.package-lock.json  ## npm ci (when the lock changed) and vite build into web/dist
	$(NPM) run build

client: setup web/node_modules/.package-lock.json  ## regenerate web/openapi.json and the typed client from the API
	$(RUN) python -m samplemind.api.openapi web/openapi.json
	$(NPM) run generate

web-test: setup web  ## the client is current, Vitest, then the end-to-end suite in Chromium
	$(NPM) run check-client
	$(NPM) test
	SAMPLEMIND=$(abspath .venv/bin/samplemind) $(NPM) run e2e

web-bench: setup web  ## web budgets: first load, bundle size, scrolling 100k rows (docs/benchmarks.md)
	SAMPLEMIND=$(abspath .venv/bin/samplemind) $(NPM) run bench
TRAIN_APT := fluidsynth fluid-soundfont-gm timgm6mb-soundfont csound-soundfont avldrums.lv2-soundfont \
	freepats timidity espeak-ng lmms-common sonic-pi-samples libstk-4.6.2 exadrums
train: setup  ## train the sample-type model (src/samplemind/ml/models/sample_type*.onnx + card; adds FoxDot's samples and PyTorch: groups train-data, train-torch)
	@command -v fluidsynth >/dev/null || { echo "make train renders soundfonts: apt-get install $(TRAIN_APT)"; exit 1; }
	$(RUN) --group train-data --group train-torch python -m benchmarks.fit.sample_type

clean:
	rm -rf web/node_modules web/dist .venv .mypy_cache .ruff_cache .pytest_cache .coverage .coverage.* $(DEMO_DIR) $(DEMO_DATA)
