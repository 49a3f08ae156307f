#!/usr/bin/env bash
# `make fuzz`: Schemathesis' command line against a live `slotwise serve`, as an integrator
# would run it. A scratch SQLite database, one organization from `slotwise bootstrap`, rate
# limits off and every response validated against the spec; then every operation through
# the examples, fuzzing and stateful phases with every check. Exits with Schemathesis'
# status.
#
# BIN is the directory holding slotwise and schemathesis (default: .venv/bin);
# SLOTWISE_FUZZ_EXAMPLES bounds the generated cases per operation and phase (default 20);
# further arguments go to `schemathesis run`.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.venv/bin}
examples=${SLOTWISE_FUZZ_EXAMPLES:-20}

scratch=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$scratch"
}
trap cleanup EXIT

# The settings the server and the bootstrap share; no other SLOTWISE_* leaks in.
for name in $(compgen -e | grep '^SLOTWISE_' || true); do unset "$name"; done
export SLOTWISE_DATABASE_URL="sqlite:///$scratch/slotwise.db"
export SLOTWISE_RATELIMIT_ENABLED=0
export SLOTWISE_VALIDATE_RESPONSES=1
# Jobs wait in the queue: no e-mail or webhook leaves for the generated addresses.
export SLOTWISE_INPROCESS_WORKER=0

# The owner the spec's login example names, with its password, so that logins succeed too.
"$BIN/slotwise" bootstrap --org Acme --email ada@acme.example --json >"$scratch/bootstrap.json"
echo "correct horse battery staple" |
    "$BIN/slotwise" users set-password --email ada@acme.example --password-stdin >/dev/null
field() { "$BIN/python" -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$scratch/bootstrap.json" "$1"; }
api_key=$(field apiKey)
widget_key=$(field widgetKey)

port=$("$BIN/python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
base="http://127.0.0.1:$port"
"$BIN/slotwise" serve --port "$port" --log-level warning >"$scratch/server.log" 2>&1 &
server=$!
for _ in $(seq 300); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    if ! kill -0 "$server" 2>/dev/null; then
        cat "$scratch/server.log" >&2
        exit 1
    fi
    sleep 0.1
done
curl -fsS "$base/healthz" >/dev/null || { echo "slotwise serve did not answer" >&2; exit 1; }

# tests/contract_support.py gives the generators Slotwise's own formats (time zones).
# Revoking and rotating keys stay out, and so do revoking and changing widget keys:
# Schemathesis reuses the ids it reads in responses, so it would retire or fence in the very
# keys it runs with and test nothing but 401s and 403s from then on (the pytest state
# machine, tests/test_stateful.py, walks the API keys' chain with a new key per scenario).
# The coverage phase stays out too: its boundary cases for 99 operations take six minutes
# here (run it with `tests/fuzz/run.sh --phases coverage`). One worker: with several,
# Hypothesis' lambda descriptions race in Python 3.11's parser ("AST constructor recursion
# depth mismatch").
status=0
PYTHONPATH="tests${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=contract_support \
    "$BIN/schemathesis" --config-file tests/schemathesis.toml run "$base/api/v1/openapi.json" \
    --checks all \
    --header "Authorization: Bearer $api_key" \
    --header "X-Widget-Key: $widget_key" \
    --exclude-operation-id handlers.api_keys.revoke_key \
    --exclude-operation-id handlers.api_keys.rotate_key \
    --exclude-operation-id handlers.widget_keys.revoke_widget_key \
    --exclude-operation-id handlers.widget_keys.update_widget_key \
    --phases examples,fuzzing,stateful \
    --max-examples "$examples" \
    --generation-database none \
    --workers 1 \
    --no-color "$@" || status=$?
# A run whose keys stopped working midway got only 401s from then on, and passed every check.
if ! curl -fsS -o /dev/null -H "Authorization: Bearer $api_key" "$base/api/v1/me"; then
    echo "The run's API key stopped working: the fuzzing after that tested nothing." >&2
    status=1
fi
if ! curl -fsS -o /dev/null -H "X-Widget-Key: $widget_key" "$base/api/public/event-types"; then
    echo "The run's widget key stopped working: the public endpoints were not tested." >&2
    status=1
fi
if grep -q Traceback "$scratch/server.log"; then
    cat "$scratch/server.log" >&2
fi
exit "$status"
