# Shared by run.sh, test.sh and bench scripts: install what is missing, build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="${SCIM_BUILD_JOBS:-2}"
# ccache hits across clones in different directories (CI clones afresh):
# paths under the checkout are hashed relative to it, and -g's cwd is ignored.
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=true

DEBIAN_PACKAGES=(
  build-essential cmake pkg-config ccache
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libcpprest-dev librocksdb-dev libabsl-dev libgtest-dev libgmock-dev
  libphonenumber-dev libssl-dev libtcmalloc-minimal4 wrk curl
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs only what is missing, so a second run costs nothing.
install_deps() {
  local missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

# npm brings Swagger UI for the docs page at build time, and the test tools.
ensure_npm() {
  if ! command -v npm >/dev/null 2>&1; then
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
  fi
}

# newman replays Microsoft's SCIM conformance collection in the tests; it is
# the one test tool from npm, pinned by tests/conformance/package-lock.json.
install_newman() {
  ensure_npm
  local dir="$ROOT/tests/conformance"
  if [ ! -x "$dir/node_modules/.bin/newman" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# build DIR [extra cmake args...]
build() {
  local dir="$1"; shift
  cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$JOBS"
}

# run_ctest DIR [ctest args...]: on failure, repeats every failed assertion
# at the very end, where a CI log's tail shows it (ctest prints a failed
# test's output when it ends, often far above the summary).
run_ctest() {
  local dir="$1"; shift
  if (cd "$dir" && ctest --output-on-failure -j"$JOBS" "$@"); then return 0; fi
  echo "== failed assertions"
  local log="$dir/Testing/Temporary/LastTest.log"
  if [ -f "$log" ]; then
    grep -a -E -A7 ': Failure$|^\[  FAILED  \] .*\.' "$log" | grep -a -v '^\[ RUN' | cut -c1-300 | tail -120
  fi
  return 1
}
