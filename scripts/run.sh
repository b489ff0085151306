#!/usr/bin/env bash
# Installs missing packages, builds, and serves the four services on loopback
# until Ctrl-C or SIGTERM, which stops all of them.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# SCIM_BUILD_DIR picks the build (default build/); SCIM_SKIP_BUILD=1 serves
# the binaries already in it without installing or building (the tests run
# this script against the build they are part of).
BUILD_DIR="${SCIM_BUILD_DIR:-$ROOT/build}"
if [ "${SCIM_SKIP_BUILD:-0}" != "1" ]; then
  install_deps
  ensure_npm
  build "$BUILD_DIR"
fi

export SCIM_HTTP_PORT="${SCIM_HTTP_PORT:-8080}"
export SCIM_DATA_DIR="${SCIM_DATA_DIR:-./data}"
export SCIM_BOOTSTRAP_TENANT="${SCIM_BOOTSTRAP_TENANT:-demo}"
export SCIM_IDENTITY_PORT="${SCIM_IDENTITY_PORT:-50051}"
export SCIM_ROLE_PORT="${SCIM_ROLE_PORT:-50052}"
export SCIM_AUDIT_PORT="${SCIM_AUDIT_PORT:-50053}"
# Shared by scim-edge and identity-service, so internal callers cannot pose as
# the edge to change SCIM-managed profiles; a fresh one per run unless given.
export SCIM_EDGE_SECRET="${SCIM_EDGE_SECRET:-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}"
mkdir -p "$SCIM_DATA_DIR"

BIN="$BUILD_DIR/bin"
pids=()
stop_all() {
  trap - INT TERM EXIT
  # Newest first: clients stop before the servers they call, so each server
  # drains at once.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[$i]}" 2>/dev/null || true
    wait "${pids[$i]}" 2>/dev/null || true
  done
  echo "stopped"
}
# A signal ends the script once everything is stopped: arriving during the
# start-up loop, a trap that only stopped would resume the loop.
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

"$BIN/audit-service" & pids+=($!)
"$BIN/role-service" & pids+=($!)
"$BIN/identity-service" & pids+=($!)
"$BIN/scim-edge" & pids+=($!)

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$SCIM_HTTP_PORT/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
echo "SCIM API: http://127.0.0.1:$SCIM_HTTP_PORT/scim/v2 (tenant $SCIM_BOOTSTRAP_TENANT); Ctrl-C stops"
# Any child exiting ends the run, so a crash is never left half-serving. The
# wait is a short one in a loop rather than one `wait -n`: a signal that bash
# took without running its trap in time (seen in CI, with SIGTERM arriving as
# the start-up loop ended) then still ends the run within a second.
all_running() {
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || return 1; done
}
while all_running; do
  sleep 1 &
  wait $! || true
done
