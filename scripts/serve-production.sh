#!/usr/bin/env bash
# Serves Archboard in production (used by `make serve`): migrate, then gunicorn.
#
# The migration is its own step, run once before any web process starts, so
# several workers never race to upgrade the schema. Settings come from the
# environment (README, "Running in production"); run `flask worker` beside it.
set -euo pipefail
.venv/bin/flask --app wsgi db upgrade
exec .venv/bin/gunicorn --config gunicorn.conf.py wsgi:app
