# Archboard: `make run` to use it, `make test` to check it. Both set up what
# they need on a fresh machine (Python 3.11, Node/npm and PostgreSQL's binaries).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
# Compile bytecode at install: some machines set PYTHONDONTWRITEBYTECODE, and
# without .pyc files every command recompiles every library (seconds each time).
export UV_COMPILE_BYTECODE := 1

UV := .tools/bin/uv
FLASK := .venv/bin/flask --app wsgi
VENDOR := app/static/vendor/BUILT

.PHONY: help run serve test test-cluster setup setup-test assets database lint bench bench-autosave bench-scale bench-micro clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run: setup database ## Set up, load the content, serve http://127.0.0.1:5000 with demo accounts
	@bash scripts/install-tools.sh run
	@echo
	@echo "Archboard is starting on http://$(HOST):$(PORT)"
	@$(FLASK) users demo
	@echo
	@# The worker runs candidates' code beside the web server; both stop together.
	@bash scripts/serve.sh $(HOST) $(PORT)

serve: setup ## Production: upgrade the database, then gunicorn with gunicorn.conf.py (HOST, PORT)
	@bash scripts/serve-production.sh

# pytest-xdist workers: two per core, because much of the suite waits (browsers, worker
# processes, sandboxes) rather than computes. Each has its own SQLite file, PostgreSQL
# cluster, queue file and live server. TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))

test: setup-test ## Set up, install test tools, lint, check the import rules, run the whole suite
	bash scripts/install-tools.sh test
	.venv/bin/ruff check .
	.venv/bin/lint-imports
	.venv/bin/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The scale-out test alone (tests/cluster/): PostgreSQL, Redis, two gunicorn instances, two
# workers and nginx, killed midway. It is part of `make test` too. CI=true as for make test.
test-cluster: setup-test ## Set up, install test tools, run only the scale-out test (nginx, two instances)
	bash scripts/install-tools.sh test
	.venv/bin/python -m pytest tests/cluster $(PYTEST_ARGS)

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

setup: $(UV) assets ## Create .venv from uv.lock and build the front end
	$(UV) sync --frozen --no-dev --inexact --quiet

setup-test: $(UV) assets
	$(UV) sync --frozen --quiet

assets: $(VENDOR)

$(VENDOR): frontend/package-lock.json frontend/build.mjs
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	cd frontend && node build.mjs

database: setup ## Upgrade the database under instance/ and load prompts/ and rubrics/
	$(FLASK) db upgrade
	$(FLASK) content sync

lint: setup-test ## Ruff, the import rules (lint-imports), and the content check
	.venv/bin/ruff check .
	.venv/bin/lint-imports
	$(FLASK) content check

# The load test: pages under gunicorn and wrk against a bare Flask page (bench/load.py).
# BENCH_ARGS="--db both" adds PostgreSQL; without --quick each page gets 10 s.
BENCH_ARGS ?= --quick

bench: setup-test ## Load test the main pages against the floor (quick, SQLite)
	bash scripts/install-tools.sh bench
	.venv/bin/python bench/load.py $(BENCH_ARGS)

bench-autosave: setup-test ## 500 candidates autosaving every 5 s for 60 s, SQLite then PostgreSQL
	.venv/bin/python bench/load.py --candidates 500 --seconds 60 --db both

bench-scale: setup-test ## The load test at scale 1 and scale 10, compared (seeding takes minutes)
	bash scripts/install-tools.sh bench
	.venv/bin/python bench/load.py --scales 1 10 $(BENCH_ARGS)

bench-micro: setup ## Print the in-process figures (markdown, test-client page timings)
	.venv/bin/python bench/run.py

clean: ## Remove everything the set-up builds (keeps instance/)
	rm -rf .venv .tools frontend/node_modules app/static/vendor .pytest_cache .ruff_cache
