#!/usr/bin/env bash
# Fuzzes the edge's parsers of untrusted input with libFuzzer: the filter
# parser, PATCH paths, SCIM JSON -> User proto, and Bulk requests
# (tests/fuzz/*_fuzz.cc). Builds them with Debian's clang (-DSCIM_FUZZ=ON:
# libFuzzer + ASan + UBSan) in their own directory, then runs each for
# SCIM_FUZZ_RUNS inputs (default 1000000) from its seed corpus
# (tests/fuzz/corpus/) and its past crashes (tests/fuzz/regressions/), with
# a fixed seed so that a CI run is reproducible: the same commit explores
# the same inputs. To search for new crashes, set SCIM_FUZZ_SEED=0 (a
# random seed) and SCIM_FUZZ_SECONDS (a time limit instead of a run count). Fails on any crash, leak,
# timeout or sanitizer report, keeping the input that caused it in
# BUILD_DIR/artifacts/fuzz/ (add it to tests/fuzz/regressions/ and a unit
# test once fixed).
#
#   bash scripts/checks/fuzz.sh build      # from the repository root
#
# Installs clang when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/scripts/lib.sh"
BUILD="${1:-build}"
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
FUZZ_BUILD="${SCIM_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
SECONDS_EACH="${SCIM_FUZZ_SECONDS:-120}"
RUNS="${SCIM_FUZZ_RUNS:-1000000}"
[ -z "${SCIM_FUZZ_SECONDS:-}" ] || RUNS=-1
SEED="${SCIM_FUZZ_SEED:-1}"
ARTIFACTS="$BUILD/artifacts/fuzz"
TARGETS=(filter_fuzz patch_path_fuzz user_json_fuzz bulk_fuzz)
start=$(date +%s)

if ! command -v clang++ >/dev/null 2>&1; then
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends clang
fi

echo "fuzz: building ${TARGETS[*]} with clang in $FUZZ_BUILD"
cmake -S "$ROOT" -B "$FUZZ_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DSCIM_FUZZ=ON -DSCIM_DOCS_UI=OFF >/dev/null
cmake --build "$FUZZ_BUILD" -j"$JOBS" --target "${TARGETS[@]}"

mkdir -p "$ARTIFACTS"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
for target in "${TARGETS[@]}"; do
  name="${target%_fuzz}"
  # New inputs go to a scratch copy; the checked-in seeds stay as they are.
  mkdir -p "$work/$name"
  cp "$ROOT/tests/fuzz/corpus/$name/"* "$work/$name/"
  inputs=("$work/$name")
  regressions="$ROOT/tests/fuzz/regressions/$name"
  [ -d "$regressions" ] && inputs+=("$regressions")
  echo "fuzz: $target: $([ "$RUNS" -gt 0 ] && echo "$RUNS runs" || echo "${SECONDS_EACH}s"), seed $SEED"
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     LSAN_OPTIONS=suppressions="$ROOT/tests/lsan.supp" \
     "$FUZZ_BUILD/bin/$target" -seed="$SEED" -runs="$RUNS" \
       -max_total_time="$SECONDS_EACH" -timeout=10 \
       -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
       -artifact_prefix="$ARTIFACTS/$target-" \
       "${inputs[@]}" \
       >"$ARTIFACTS/$target.log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^Done' "$ARTIFACTS/$target.log" || true
  else
    echo "fuzz: $target FAILED; last lines of $ARTIFACTS/$target.log:"
    tail -n 40 "$ARTIFACTS/$target.log"
    failed+=("$target")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz checks: FAIL (${failed[*]}) in $(( $(date +%s) - start ))s"
  exit 1
fi
echo "fuzz checks: OK (${#TARGETS[@]} targets) in $(( $(date +%s) - start ))s"
