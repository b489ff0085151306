#!/usr/bin/env bash
# Browser test of the interactive API documentation (/api/v2/docs): starts
# the four services from BUILD_DIR/bin on free loopback ports with a fresh
# data directory, creates a user with curl, and has Debian's Chromium
# (driven by playwright-core, tests/browser/docs.spec.mjs) authorise on the
# page, run GET /Users from it and find that user in the rendered response.
# Keeps a screenshot in BUILD_DIR/artifacts/docs.png.
#
#   bash scripts/checks/browser.sh build      # from the repository root
#
# Installs what is missing (chromium, chromium-driver, nodejs, npm, the
# pinned playwright-core), so a second run only runs the test.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-build}"
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
BIN="$BUILD/bin"
ARTIFACTS="$BUILD/artifacts"
SCREENSHOT="$ARTIFACTS/docs.png"

FAILURE=""
fail() {
  FAILURE="FAIL browser: $*"
  echo "$FAILURE" >&2
  exit 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      echo "$p"
  done
}

# ---------------------------------------------------------------- install
mapfile -t need < <(missing_packages chromium chromium-driver)
# Node may come from another package than Debian's (whose npm conflicts with
# it), so the commands are what counts.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  need+=(nodejs npm)
fi
if [ "${#need[@]}" -gt 0 ]; then
  echo "browser: installing ${need[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${need[@]}"
fi
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || fail "no Chromium at $CHROMIUM"

TESTS="$ROOT/tests/browser"
if [ ! -f "$TESTS/node_modules/playwright-core/package.json" ] ||
   [ "$TESTS/package-lock.json" -nt "$TESTS/node_modules/.package-lock.json" ]; then
  # playwright-core never downloads a browser; the variable makes sure of it.
  (cd "$TESTS" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

for b in scim-edge identity-service role-service audit-service; do
  [ -x "$BIN/$b" ] || fail "$BIN/$b is missing; build first (cmake --build $BUILD)"
done
mkdir -p "$ARTIFACTS"
rm -f "$SCREENSHOT" "$ARTIFACTS/docs-failure.png"

# ---------------------------------------------------------------- stack
# shellcheck source=../free_port.sh
source "$ROOT/scripts/free_port.sh"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/scim-browser.XXXXXX")"
FREE_PORTS_FILE="$WORK/ports"
pids=()
stop_all() {
  local status=$?
  trap - EXIT INT TERM
  # Newest first: the edge stops before the services it calls.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[$i]}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    # Bounded: a service that ignores SIGTERM for 10 s is killed.
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ] && [ -d "$WORK" ]; then
    for log in "$WORK"/*.log; do
      [ -f "$log" ] || continue
      echo "----- $(basename "$log") (last 30 lines)" >&2
      tail -n 30 "$log" >&2
    done
  fi
  rm -rf "$WORK"
  # Repeated after the logs, so the verdict is the last line.
  [ -z "$FAILURE" ] || echo "$FAILURE" >&2
  exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

export SCIM_DATA_DIR="$WORK/data"
export SCIM_HTTP_PORT="$(free_port)"
export SCIM_IDENTITY_PORT="$(free_port)"
export SCIM_ROLE_PORT="$(free_port)"
export SCIM_AUDIT_PORT="$(free_port)"
export SCIM_BOOTSTRAP_TENANT=demo
export SCIM_BOOTSTRAP_TOKEN="browser-test-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
mkdir -p "$SCIM_DATA_DIR"
BASE="http://127.0.0.1:$SCIM_HTTP_PORT"

for s in audit-service role-service identity-service scim-edge; do
  "$BIN/$s" >"$WORK/$s.log" 2>&1 &
  pids+=($!)
done

ready=0
for _ in $(seq 1 300); do
  if curl -fsS "$BASE/readyz" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.1
done
[ "$ready" -eq 1 ] || fail "the stack did not become ready in 30 s"

page_status="$(curl -s -o "$WORK/page" -w '%{http_code}' "$BASE/api/v2/docs/")"
[ "$page_status" = 200 ] ||
  fail "/api/v2/docs/ answered $page_status: $(cat "$WORK/page")"

USER_NAME="docs.browser.$RANDOM@example.com"
created="$(curl -s -o "$WORK/user.json" -w '%{http_code}' -X POST "$BASE/scim/v2/Users" \
  -H "Authorization: Bearer $SCIM_BOOTSTRAP_TOKEN" \
  -H 'Content-Type: application/scim+json' \
  -d "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],
       \"userName\":\"$USER_NAME\",
       \"name\":{\"givenName\":\"Docs\",\"familyName\":\"Browser\"}}")"
[ "$created" = 201 ] || fail "creating $USER_NAME answered $created: $(cat "$WORK/user.json")"

# ---------------------------------------------------------------- browser
echo "browser: Chromium on $BASE/api/v2/docs"
if DOCS_URL="$BASE/api/v2/docs" SCIM_TOKEN="$SCIM_BOOTSTRAP_TOKEN" \
   EXPECT_USERNAME="$USER_NAME" SCREENSHOT="$SCREENSHOT" CHROMIUM="$CHROMIUM" \
   timeout 180 node "$TESTS/docs.spec.mjs"; then
  echo "PASS browser: GET /Users run from /api/v2/docs showed $USER_NAME; screenshot $SCREENSHOT"
else
  fail "the docs page test failed (see above; screenshot $ARTIFACTS/docs-failure.png)"
fi
