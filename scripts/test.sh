#!/usr/bin/env bash
# Installs missing packages, builds, and runs every test: once in a normal
# build and once under AddressSanitizer + UndefinedBehaviorSanitizer.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start=$(date +%s)
install_deps
install_newman
cd "$ROOT"

echo "== build (RelWithDebInfo)"
build "$ROOT/build"
echo "== tests"
run_ctest "$ROOT/build" --timeout 300

# Checks beyond GoogleTest (the Helm chart, the docs page in a browser),
# each a script that installs what it needs and exits non-zero on failure.
for check in "$ROOT"/scripts/checks/*.sh; do
  echo "== check $(basename "$check" .sh)"
  bash "$check" "$ROOT/build"
done

echo "== build (ASan + UBSan)"
build "$ROOT/build-asan" -DSCIM_SANITIZE=ON
echo "== tests under sanitizers"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions="$ROOT/tests/ubsan.supp" \
  LSAN_OPTIONS=suppressions="$ROOT/tests/lsan.supp" \
  run_ctest "$ROOT/build-asan" --timeout 600

echo "== all tests passed in $(( $(date +%s) - start ))s"
