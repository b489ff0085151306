#!/usr/bin/env bash
# Runs the benchmark in smoke mode (a few seconds, 200 users) against the
# binaries of the build dir given as $1 (default build/), so that
# scripts/bench.sh, its wrk Lua scripts and the durability check never rot.
# Exit status is non-zero only when the benchmark itself breaks; speed
# targets are reported, never checked here.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
exec bash "$ROOT/scripts/bench.sh" --smoke --build "$BUILD" --json "$BUILD/bench/smoke.json"
