#!/usr/bin/env bash
# Serves the app with a worker beside it (used by `make run`); both stop together.
#
# Usage: scripts/serve.sh HOST PORT
#
# Both run in the background and the shell waits for either to end. Ctrl-C,
# SIGTERM (to the shell or its whole process group) or one of them exiting stops
# the other, and the shell exits once both are gone, without signalling itself.
set -u
host=${1:?host} port=${2:?port}
flask=(.venv/bin/flask --app wsgi)

# Links in the emails the worker writes point at this server unless told otherwise.
BASE_URL=${BASE_URL:-http://$host:$port} "${flask[@]}" worker &
worker=$!
"${flask[@]}" run --host "$host" --port "$port" &
web=$!

stop() {
    trap - INT TERM
    kill "$worker" "$web" 2>/dev/null
    wait "$worker" "$web" 2>/dev/null
}
trap 'stop; exit 0' INT TERM
wait -n "$worker" "$web"
status=$?
stop
exit "$status"
