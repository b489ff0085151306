#!/usr/bin/env bash
# Benchmark of the SCIM stack: starts the four services on private ports with
# a fresh data dir for each size, loads N users with an Entra-style initial
# sync (userName lookup, then create), and measures each workload with wrk
# driven by the Lua scripts in tests/bench/. Every size's stack is up at
# once until its writes start, so that each filter is measured on all sizes
# back to back, in rounds (measure_filters). Prints one table (requests/s,
# p50, p99, each figure as a ratio to /healthz of the same run, and the CPU
# time scim-edge, identity-service and wrk spent per request) and the targets
# met or missed, and writes the same as JSON.
#
#   scripts/bench.sh [--build DIR] [--users N]... [--duration S] [--json FILE]
#                    [--connections C] [--sync-connections C] [--smoke]
#
#   --build DIR     binaries from DIR/bin (default build/; built when missing)
#   --users N       a size to run; repeat or comma-separate (default 1000,100000;
#                   1000000 on request)
#   --duration S    seconds per measured workload (default 10)
#   --warmup S      seconds each read workload (GET by id, the filters) runs
#                   unmeasured first, so caches hold what it reads, as they do
#                   in an IdP's steady cycles (default 2; 0: none)
#   --json FILE     where the JSON goes (default BUILD/bench/bench.json)
#   --connections C wrk connections for the rate measurements (default 16)
#   --sync-connections C  users in flight during a sync (default 4)
#   --loader sync|grpc|auto  how users are loaded: the Entra-style sync
#                   through the edge (also the sync measurement), or
#                   bench-loader straight into identity-service over gRPC;
#                   auto (default) syncs up to 100,000 users and uses
#                   bench-loader above
#   --smoke         a few seconds at a small size: checks that the benchmark
#                   works (run by scripts/checks/bench-smoke.sh)
#   --keep          keep the data and log dirs (printed) instead of removing them
#
# Exit status is non-zero only when the benchmark itself breaks (a service
# does not start, wrk fails, requests fail, the durability check fails);
# missed speed targets are reported, never fatal.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_LUA="$ROOT/tests/bench"

BUILD="$ROOT/build"
SIZES=()
DURATION=10
WARMUP=2
JSON=""
CONNS=16
SYNC_CONNS=4
LOADER=auto
SMOKE=0
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD="$(cd "$2" 2>/dev/null && pwd || echo "$2")"; shift 2 ;;
    --users) IFS=',' read -r -a more <<<"$2"; SIZES+=("${more[@]}"); shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --json) JSON="$2"; shift 2 ;;
    --connections) CONNS="$2"; shift 2 ;;
    --sync-connections) SYNC_CONNS="$2"; shift 2 ;;
    --loader) LOADER="$2"; shift 2 ;;
    --smoke) SMOKE=1; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$SMOKE" = 1 ]; then
  [ ${#SIZES[@]} -gt 0 ] || SIZES=(200)
  DURATION=1
  WARMUP=1
  CONNS=4
fi
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 100000)
WRK_THREADS=2
[ "$CONNS" -ge "$WRK_THREADS" ] || WRK_THREADS=1
JSON="${JSON:-$BUILD/bench/bench.json}"

# --- prerequisites: wrk and curl from Debian, binaries from the build dir.
if ! command -v wrk >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk curl
fi
loader_for() {  # loader_for SIZE: sync or grpc
  case "$LOADER" in
    sync|grpc) echo "$LOADER" ;;
    auto) if [ "$1" -le 100000 ]; then echo sync; else echo grpc; fi ;;
    *) echo "bench: --loader must be sync, grpc or auto" >&2; exit 2 ;;
  esac
}
NEEDED=(scim-edge identity-service role-service audit-service)
for size in "${SIZES[@]}"; do
  [ "$(loader_for "$size")" = sync ] || NEEDED+=(bench-loader)
done
for b in "${NEEDED[@]}"; do
  if [ ! -x "$BUILD/bin/$b" ]; then
    echo "bench: no $b in $BUILD/bin; building"
    # shellcheck source=lib.sh
    source "$ROOT/scripts/lib.sh"
    install_deps
    build "$BUILD"
    break
  fi
done
BIN="$BUILD/bin"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/scim-bench.XXXXXX")"
pids=()
declare -A STACK  # each size's stack (save_stack, below)
stop_stack() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[$i]}" 2>/dev/null || true
  done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    wait "${pids[$i]}" 2>/dev/null || true
  done
  pids=()
}
# A wrk started in the background (run_until_done), which an interrupted
# benchmark would otherwise leave hammering a stopped stack for an hour.
BG_WRK=""
cleanup() {
  if [ -n "$BG_WRK" ]; then kill -KILL "$BG_WRK" 2>/dev/null || true; fi
  stop_all_stacks
  if [ "$KEEP" = 1 ]; then echo "bench: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "bench: FAILED: $*" >&2; exit 1; }

# shellcheck source=free_port.sh
source "$ROOT/scripts/free_port.sh"
FREE_PORTS_FILE="$WORK/ports"

# start_service NAME: starts $BIN/NAME with the stack's environment, logging
# to $RUN/NAME.log, and records its pid (identity's also in IDENTITY_PID,
# the edge's in EDGE_PID).
start_service() {
  local name="$1"
  "$BIN/$name" >>"$RUN/$name.log" 2>&1 &
  pids+=($!)
  if [ "$name" = identity-service ]; then IDENTITY_PID=$!; fi
  if [ "$name" = scim-edge ]; then EDGE_PID=$!; fi
}

wait_ready() {  # wait_ready [SECONDS]
  local tries=$(( ${1:-30} * 10 ))
  for _ in $(seq 1 "$tries"); do
    if curl -fsS "$URL/readyz" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  tail -n 20 "$RUN"/*.log >&2 || true
  fail "the stack did not become ready within ${1:-30} s"
}

start_stack() {
  export SCIM_DATA_DIR="$RUN/data" SCIM_BOOTSTRAP_TENANT=bench
  export SCIM_BOOTSTRAP_TOKEN="bench-$RANDOM$RANDOM$RANDOM"
  export SCIM_HTTP_PORT SCIM_IDENTITY_PORT SCIM_ROLE_PORT SCIM_AUDIT_PORT
  SCIM_HTTP_PORT=$(free_port); SCIM_IDENTITY_PORT=$(free_port)
  SCIM_ROLE_PORT=$(free_port); SCIM_AUDIT_PORT=$(free_port)
  mkdir -p "$SCIM_DATA_DIR"
  URL="http://127.0.0.1:$SCIM_HTTP_PORT"
  start_service audit-service
  start_service role-service
  start_service identity-service
  start_service scim-edge
  wait_ready
  export BENCH_TOKEN="$SCIM_BOOTSTRAP_TOKEN" BENCH_BASE=/scim/v2
}

# result FIELD: a number from the BENCH_RESULT line of the last wrk run.
LAST=""
result() {
  local v
  v=$(grep -o "\"$1\":[0-9.]*" <<<"$LAST" | head -n1 | cut -d: -f2)
  echo "${v:-0}"
}
last_result_of() {  # last_result_of FILE: sets LAST from a wrk output file
  LAST=$(grep '^BENCH_RESULT ' "$1" | sed 's/^BENCH_RESULT //' || true)
  [ -n "$LAST" ] || { cat "$1" >&2; fail "wrk printed no result ($1)"; }
}

# run_wrk NAME SCRIPT THREADS CONNS DURATION [env...]: a timed wrk run; its
# BENCH_RESULT line lands in LAST (the whole output in $RUN/NAME.wrk).
run_wrk() {
  local name="$1" script="$2" t="$3" c="$4" d="$5"; shift 5
  local out="$RUN/$name.wrk" rc=0
  cpu_start
  { time env BENCH_THREADS="$t" BENCH_CONNS="$c" "$@" \
      wrk -t"$t" -c"$c" -d"${d}s" --timeout 10s -s "$BENCH_LUA/$script" "$URL" >"$out" 2>&1 \
      || rc=$?; } 2>"$out.time"
  if [ "$rc" -ne 0 ]; then
    cat "$out" >&2
    fail "wrk $name"
  fi
  cpu_stop "$(awk 'NF == 2 {u = $1; s = $2} END{print u + s}' "$out.time")"
  last_result_of "$out"
}

# warm_up NAME SCRIPT THREADS CONNS [ENV=VALUE]...: the workload for WARMUP
# seconds, not measured, reading other users (BENCH_SEED) than the measured
# run will. Right after a load, the first lookups of a large tenant read the
# index and user blocks from files into RocksDB's block cache (128 MB, which
# holds 100,000 users); whichever filter ran first paid for it (side by
# side, 130-136 against 100-112 µs of identity-service CPU per externalId
# lookup), and the next one, reading the same users, did not.
warm_up() {
  local name="$1" script="$2" t="$3" c="$4"; shift 4
  [ "$WARMUP" -gt 0 ] || return 0
  env BENCH_THREADS="$t" BENCH_CONNS="$c" BENCH_SEED=7919 "$@" \
    wrk -t"$t" -c"$c" -d"${WARMUP}s" --timeout 10s -s "$BENCH_LUA/$script" "$URL" \
    >"$RUN/$name.warmup" 2>&1 || { cat "$RUN/$name.warmup" >&2; fail "wrk $name (warm-up)"; }
}

# CPU time spent by scim-edge, identity-service and wrk over one run, in
# seconds (CPU_EDGE, CPU_IDENTITY, CPU_WRK): divided by the requests, it says
# where each workload's cost goes on these shared cores.
TIMEFORMAT='%U %S'
CPU_EDGE=0 CPU_IDENTITY=0 CPU_WRK=0
cpu_start() {
  CPU_EDGE0=$(cpu_ticks "$EDGE_PID")
  CPU_IDENTITY0=$(cpu_ticks "$IDENTITY_PID")
}
cpu_stop() {  # cpu_stop WRK_SECONDS
  local hz
  hz=$(getconf CLK_TCK)
  CPU_EDGE=$(awk -v a="$CPU_EDGE0" -v b="$(cpu_ticks "$EDGE_PID")" -v hz="$hz" 'BEGIN{print (b - a) / hz}')
  CPU_IDENTITY=$(awk -v a="$CPU_IDENTITY0" -v b="$(cpu_ticks "$IDENTITY_PID")" -v hz="$hz" 'BEGIN{print (b - a) / hz}')
  CPU_WRK=${1:-0}
}

# run_until_done NAME SCRIPT CONNS [env...]: a wrk run whose script walks a
# fixed amount of work, one connection per thread, each thread writing
# $RUN/NAME.d/done.<tid> when its share is done; ends wrk then. Sets LAST
# and ELAPSED (seconds, wall clock).
run_until_done() {
  local name="$1" script="$2" c="$3"; shift 3
  local dir="$RUN/$name.d" out="$RUN/$name.wrk" start end wrk_pid
  mkdir -p "$dir"
  start=$(date +%s.%N)
  cpu_start
  env BENCH_THREADS="$c" BENCH_CONNS="$c" BENCH_IDS_OUT="$dir" "$@" \
    wrk -t"$c" -c"$c" -d3600s --timeout 10s -s "$BENCH_LUA/$script" "$URL" >"$out" 2>&1 &
  wrk_pid=$!
  BG_WRK=$wrk_pid
  while kill -0 "$wrk_pid" 2>/dev/null; do
    if [ "$(find "$dir" -name 'done.*' | wc -l)" -ge "$c" ]; then break; fi
    sleep 0.1
  done
  end=$(date +%s.%N)
  # Read while it runs: a process's own times are gone once it is reaped.
  local wrk_ticks
  wrk_ticks=$(cpu_ticks "$wrk_pid")
  kill -INT "$wrk_pid" 2>/dev/null || true
  wait "$wrk_pid" || true
  BG_WRK=""
  cpu_stop "$(awk -v t="$wrk_ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN{print t / hz}')"
  last_result_of "$out"
  ELAPSED=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}')
}

# Results, keyed "SIZE:name:field"; workloads listed in table order.
declare -A R
NAMES=()
declare -A LABEL
record() {  # record SIZE NAME LABEL: stores the last wrk result
  local size="$1" name="$2"
  LABEL[$name]="$3"
  case " ${NAMES[*]} " in *" $name "*) ;; *) NAMES+=("$name") ;; esac
  R[$size:$name:rps]=$(result rps)
  R[$size:$name:p50]=$(result p50_us)
  R[$size:$name:p99]=$(result p99_us)
  R[$size:$name:requests]=$(result requests)
  local k v
  for k in edge:$CPU_EDGE identity:$CPU_IDENTITY wrk:$CPU_WRK; do
    v=${k#*:}
    R[$size:$name:cpu_${k%%:*}]=$(awk -v s="$v" -v n="${R[$size:$name:requests]}" \
      'BEGIN{ if (n > 0) printf "%.0f", s * 1e6 / n; else print "" }')
  done
  local errors bad
  errors=$(( $(result connect) + $(result read) + $(result write) + $(result status) + $(result timeout) ))
  bad=$(result bad)
  R[$size:$name:errors]=$(( errors > bad ? errors : bad ))
  if [ "${R[$size:$name:errors]}" -gt 0 ]; then
    echo "bench: $name at $size users: ${R[$size:$name:errors]} failed requests" \
         "(see $RUN/$name.wrk and the service logs)" >&2
    BROKEN=1
  fi
  printf '  %-38s %8.0f req/s  p50 %7.2f ms  p99 %7.2f ms\n' "${RECORD_PREFIX:-}$3" "${R[$size:$name:rps]}" \
    "$(awk -v v="${R[$size:$name:p50]}" 'BEGIN{print v/1000}')" \
    "$(awk -v v="${R[$size:$name:p99]}" 'BEGIN{print v/1000}')"
}

# settle: waits (up to 60 s) until the services are idle: after a load the
# outbox may still be shipping events to audit-service and RocksDB may still
# be compacting; an IdP's next cycle comes long after its initial one.
cpu_ticks() { local p t=0; for p in "$@"; do t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat") )); done; echo "$t"; }
settle() {
  local start before after hz
  hz=$(getconf CLK_TCK)
  start=$(date +%s)
  while [ $(( $(date +%s) - start )) -lt 60 ]; do
    before=$(cpu_ticks "${pids[@]}")
    sleep 1
    after=$(cpu_ticks "${pids[@]}")
    # Below 5% of one core, all services together.
    if [ $(( (after - before) * 100 )) -lt $(( hz * 5 )) ]; then break; fi
  done
  echo "  settled in $(( $(date +%s) - start )) s"
}

peak_rss_mb() { awk '/^VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
max_of() { awk -v a="$1" -v b="$2" 'BEGIN{print (a > b) ? a : b}'; }

load_users() {
  local size="$1" how
  how=$(loader_for "$size")
  if [ "$how" = sync ]; then
    # The initial Entra cycle: userName lookup, then create, for each user.
    local c="$SYNC_CONNS"
    [ "$c" -le "$size" ] || c="$size"
    run_until_done sync_initial sync.lua "$c" BENCH_USERS="$size"
    cat "$RUN/sync_initial.d"/ids.* | sort -n >"$RUN/ids.txt"
    R[$size:load_how]="Entra-style sync through the edge ($c users in flight)"
    R[$size:sync_seconds]=$ELAPSED
    record "$size" sync_initial "Entra sync, initial (lookup+create)"
  else
    local start end
    start=$(date +%s.%N)
    "$BIN/bench-loader" --identity "127.0.0.1:$SCIM_IDENTITY_PORT" --token "$BENCH_TOKEN" \
      --users "$size" --threads 8 --out "$RUN/ids.txt" 2>"$RUN/bench-loader.log" ||
      { cat "$RUN/bench-loader.log" >&2; fail "bench-loader"; }
    end=$(date +%s.%N)
    R[$size:load_how]="bench-loader over gRPC (identity-service CreateUser, 8 threads)"
  fi
  local loaded
  loaded=$(wc -l <"$RUN/ids.txt")
  [ "$loaded" -eq "$size" ] || fail "loading created $loaded of $size users (see $RUN)"
  if [ "$how" != sync ]; then ELAPSED=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}'); fi
  R[$size:load_seconds]=$ELAPSED
  echo "  loaded $size users in $ELAPSED s: ${R[$size:load_how]}"
}

# Durability: kill -9 identity-service after the last workload, start it
# again, and read back every user whose creation the POST run saw
# acknowledged. Last, because a restart empties the edge's user cache and
# identity-service's block cache: the workloads are measured warm, as a
# running stack serves them.
check_durability() {
  local size="$1"
  cat "$RUN/post_user.d"/acked.* >"$RUN/acked.txt"
  local acked
  acked=$(wc -l <"$RUN/acked.txt")
  [ "$acked" -gt 0 ] || fail "no acknowledged POST to check after kill -9"
  R[$size:acked_posts]=$acked
  R[$size:rss_mb]=$(peak_rss_mb "$IDENTITY_PID")
  kill -KILL "$IDENTITY_PID"
  wait "$IDENTITY_PID" 2>/dev/null || true
  local p
  for p in "${!pids[@]}"; do [ "${pids[$p]}" != "$IDENTITY_PID" ] || unset 'pids[p]'; done
  pids=("${pids[@]}")
  local restart_start=$SECONDS
  start_service identity-service
  wait_ready 300
  local restart_s=$((SECONDS - restart_start))
  run_until_done verify verify.lua 4 BENCH_IDS="$RUN/acked.txt"
  local bad
  bad=$(result bad)
  if [ "$bad" -ne 0 ] || [ "$(result requests)" -lt "$acked" ]; then
    fail "after kill -9 of identity-service, $bad of $acked acknowledged users are missing"
  fi
  R[$size:durability]="ok: all $acked users created by the POST run read back after kill -9 of identity-service (ready again in ${restart_s} s)"
  echo "  durability: ${R[$size:durability]}"
}

# Each size's stack stays up from its load to its last workload, so that
# the filters of all sizes can be measured side by side (measure_filters).
# save_stack / use_stack keep and restore what the functions above read,
# and the environment a restarted service (check_durability) starts with.
STACK_VARS=(RUN URL IDENTITY_PID EDGE_PID BENCH_TOKEN SCIM_DATA_DIR SCIM_BOOTSTRAP_TOKEN
            SCIM_HTTP_PORT SCIM_IDENTITY_PORT SCIM_ROLE_PORT SCIM_AUDIT_PORT)
save_stack() {  # save_stack SIZE
  local size="$1" v
  for v in "${STACK_VARS[@]}"; do STACK[$size:$v]=${!v}; done
  STACK[$size:pids]="${pids[*]}"
}
use_stack() {  # use_stack SIZE
  local size="$1" v
  for v in "${STACK_VARS[@]}"; do printf -v "$v" '%s' "${STACK[$size:$v]}"; done
  read -r -a pids <<<"${STACK[$size:pids]}"
  export BENCH_TOKEN SCIM_DATA_DIR SCIM_BOOTSTRAP_TOKEN SCIM_HTTP_PORT SCIM_IDENTITY_PORT \
    SCIM_ROLE_PORT SCIM_AUDIT_PORT
  export BENCH_USERS="$size" BENCH_IDS="$RUN/ids.txt" BENCH_RUN="n$size"
}
stop_all_stacks() {
  local size
  stop_stack
  for size in "${SIZES[@]}"; do
    [ -n "${STACK[$size:pids]:-}" ] || continue
    read -r -a pids <<<"${STACK[$size:pids]}"
    stop_stack
    STACK[$size:pids]=""
  done
}

prepare_size() {  # starts SIZE's stack, loads its users and makes its groups
  local size="$1"
  RUN="$WORK/n$size"
  mkdir -p "$RUN"
  echo "== $size users (stack on 127.0.0.1, data in $RUN/data)"
  pids=()
  start_stack
  export BENCH_USERS="$size" BENCH_IDS="$RUN/ids.txt" BENCH_RUN="n$size"

  run_wrk warmup healthz.lua "$WRK_THREADS" "$CONNS" 1
  load_users "$size"
  settle

  local groups="$RUN/groups.txt" k loc
  : >"$groups"
  for k in 1 2 3 4; do
    loc=$(curl -fsS -o /dev/null -D - -X POST "$URL/scim/v2/Groups" \
      -H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: application/scim+json' \
      -d "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],\"displayName\":\"Bench Group $k\"}" |
      tr -d '\r' | sed -n 's#^[Ll]ocation: .*/Groups/##p')
    [ -n "$loc" ] || fail "cannot create a group"
    echo "$loc" >>"$groups"
  done
  save_stack "$size"
}

# The filter targets compare sizes, and this shared machine's speed drifts
# by up to a third over minutes and by a fifth over seconds (the edge's CPU
# per lookup, the same work at any size, went 185-229 µs within a minute):
# measured a whole size's run apart, the ratio moved with the drift (0.66
# to 1.00 for the same build), and measured once each, seconds apart, by a
# fifth still. So each filter runs FILTER_ROUNDS times on every size, the
# sizes back to back and their order reversed each round, before any write
# workload adds users; a size's figures are those of its median round.
FILTER_ROUNDS=3
[ "$SMOKE" = 0 ] || FILTER_ROUNDS=1
measure_filters() {
  local t="$WRK_THREADS" c="$CONNS" d="$DURATION" kind name label size order round k
  echo "== filters, on every size back to back, $FILTER_ROUNDS rounds"
  for kind in userName externalId email; do
    case "$kind" in
      userName) name=filter_username label='GET /Users?filter=userName eq' ;;
      externalId) name=filter_externalid label='GET /Users?filter=externalId eq' ;;
      email) name=filter_email label='filter=emails[type eq "work"].value eq' ;;
    esac
    for size in "${SIZES[@]}"; do
      use_stack "$size"
      warm_up "$name" filter.lua "$t" "$c" BENCH_FILTER="$kind"
    done
    for ((round = 1; round <= FILTER_ROUNDS; round++)); do
      order=("${SIZES[@]}")
      if [ $((round % 2)) -eq 0 ]; then
        order=()
        for ((k = ${#SIZES[@]} - 1; k >= 0; k--)); do order+=("${SIZES[$k]}"); done
      fi
      for size in "${order[@]}"; do
        use_stack "$size"
        run_wrk "$name.r$round" filter.lua "$t" "$c" "$d" BENCH_FILTER="$kind"
        RECORD_PREFIX="$size users, round $round: " record "$size" "$name.r$round" "$label"
      done
    done
    for size in "${SIZES[@]}"; do median_round "$size" "$name" "$label"; done
  done
}

# median_round SIZE NAME LABEL: NAME's figures at SIZE are those of its
# round with the median rate; its errors, those of every round.
median_round() {
  local size="$1" name="$2" round median errors=0 f
  median=$(for ((round = 1; round <= FILTER_ROUNDS; round++)); do
    echo "${R[$size:$name.r$round:rps]} $round"
  done | sort -g | awk '{r[NR] = $2} END{print r[int((NR + 1) / 2)]}')
  for f in rps p50 p99 requests cpu_edge cpu_identity cpu_wrk; do
    R[$size:$name:$f]=${R[$size:$name.r$median:$f]}
  done
  for ((round = 1; round <= FILTER_ROUNDS; round++)); do
    errors=$((errors + R[$size:$name.r$round:errors]))
  done
  R[$size:$name:errors]=$errors
  LABEL[$name]="$3"
}

finish_size() {  # every other workload on SIZE's stack, then stops it
  local size="$1"
  use_stack "$size"
  echo "== $size users, the other workloads"
  local groups="$RUN/groups.txt"
  local t="$WRK_THREADS" c="$CONNS" d="$DURATION"
  run_wrk healthz healthz.lua "$t" "$c" "$d";                record "$size" healthz "GET /healthz"
  warm_up get_user get_user.lua "$t" "$c"
  run_wrk get_user get_user.lua "$t" "$c" "$d";              record "$size" get_user "GET /Users/{id}"
  # Latency at half the rate just reached, in the same state.
  local half
  half=$(awk -v r="${R[$size:get_user:rps]}" 'BEGIN{printf "%d", r/2}')
  [ "$half" -ge 1 ] || half=1
  run_wrk get_user_half get_user.lua "$t" "$c" "$d" BENCH_RATE="$half"
  record "$size" get_user_half "GET /Users/{id} paced at half max"
  R[$size:half_rate_target]=$half
  mkdir -p "$RUN/post_user.d"
  run_wrk post_user post_user.lua "$t" "$c" "$d" BENCH_IDS_OUT="$RUN/post_user.d"
  record "$size" post_user "POST /Users"
  settle
  run_wrk patch_user patch_user.lua "$t" "$c" "$d";          record "$size" patch_user "PATCH /Users/{id} (1 attribute)"
  run_wrk put_user put_user.lua "$t" "$c" "$d";              record "$size" put_user "PUT /Users/{id}"
  run_wrk group_add group_add.lua "$t" "$c" "$d" BENCH_GROUPS="$groups"
  record "$size" group_add "PATCH /Groups/{id} (add member)"
  local sc="$SYNC_CONNS"
  [ "$sc" -le "$size" ] || sc="$size"
  run_wrk sync_recheck sync.lua "$sc" "$sc" "$d" BENCH_DURATION_ONLY=1
  record "$size" sync_recheck "Entra sync, re-check (lookup+patch)"
  check_durability "$size"

  R[$size:rss_mb]=$(max_of "${R[$size:rss_mb]}" "$(peak_rss_mb "$IDENTITY_PID")")
  # The edge's user cache (SCIM_USER_CACHE_SIZE) is most of its memory.
  R[$size:edge_rss_mb]=$(peak_rss_mb "$EDGE_PID")
  stop_stack
  STACK[$size:pids]=""
  local bytes users
  bytes=$(du -sb "$RUN/data/identity" | cut -f1)
  users=$(( size + ${R[$size:acked_posts]} ))
  R[$size:users_stored]=$users
  R[$size:disk_bytes]=$bytes
  R[$size:bytes_per_user]=$(( bytes / users ))
  echo "  identity-service: peak RSS ${R[$size:rss_mb]} MB; on disk $((bytes / 1024)) KB" \
       "= ${R[$size:bytes_per_user]} B/user ($users users)"
}

BROKEN=0
echo "bench: build $BUILD, sizes ${SIZES[*]}, ${DURATION}s per workload" \
     "(reads after ${WARMUP}s unmeasured)," \
     "wrk -t$WRK_THREADS -c$CONNS, sync with $SYNC_CONNS users in flight, $(nproc) cores"
for size in "${SIZES[@]}"; do prepare_size "$size"; done
measure_filters
for size in "${SIZES[@]}"; do finish_size "$size"; done

# --- the table
# In the order of an IdP's day rather than the order measured.
NAMES=(sync_initial healthz get_user get_user_half filter_username filter_externalid filter_email
       post_user patch_user put_user group_add sync_recheck)
ms() { awk -v v="$1" 'BEGIN{ if (v == "") print "-"; else printf "%.2f", v/1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a != "" && b > 0) printf "%.2f", a/b; else print "-" }'; }
verdict() {  # verdict VALUE TARGET >=|<=
  awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN{
    if (v == "" || v == "-") { print "n/a   "; exit }
    ok = (op == ">=") ? (v + 0 >= t) : (v + 0 <= t); print ok ? "met   " : "MISSED" }'
}
get() { echo "${R[$1]:-}"; }
cpu_sum() {  # cpu_sum SIZE NAME: CPU µs per request of the three processes
  awk -v a="$(get "$1:$2:cpu_edge")" -v b="$(get "$1:$2:cpu_identity")" -v c="$(get "$1:$2:cpu_wrk")" \
    'BEGIN{printf "%.0f", a + b + c}'
}
TABLE="$WORK/table.txt"
{
  echo
  echo "SCIM benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores shared with the load" \
       "generator, wrk -t$WRK_THREADS -c$CONNS, ${DURATION}s per workload" \
       "(reads after ${WARMUP}s unmeasured)"
  for size in "${SIZES[@]}"; do
    echo
    echo "$size users, loaded by ${R[$size:load_how]} in ${R[$size:load_seconds]} s"
    printf '%-38s %9s %8s %8s %9s %7s %8s %8s %8s\n' workload req/s p50_ms p99_ms x_healthz errors \
      edge_us ident_us wrk_us
    h=$(get "$size:healthz:rps")
    for name in "${NAMES[@]}"; do
      rps=$(get "$size:$name:rps")
      [ -n "$rps" ] || continue
      printf '%-38s %9.0f %8s %8s %9s %7s %8s %8s %8s\n' "${LABEL[$name]}" "$rps" \
        "$(ms "$(get "$size:$name:p50")")" "$(ms "$(get "$size:$name:p99")")" \
        "$(ratio "$rps" "$h")" "$(get "$size:$name:errors")" \
        "$(get "$size:$name:cpu_edge")" "$(get "$size:$name:cpu_identity")" "$(get "$size:$name:cpu_wrk")"
    done
    echo "(edge_us, ident_us, wrk_us: CPU time of scim-edge, identity-service and wrk per request, in µs)"
    if [ -n "$(get "$size:sync_seconds")" ]; then
      echo "Entra-style sync of $size users (lookup + create each): ${R[$size:sync_seconds]} s" \
           "($(awk -v n="$size" -v s="${R[$size:sync_seconds]}" 'BEGIN{printf "%.0f", n/s}') users/s)"
    fi
    echo "GET /Users/{id} paced at ${R[$size:half_rate_target]} req/s (half of max):" \
         "p99 $(ms "${R[$size:get_user_half:p99]}") ms"
    echo "identity-service: peak RSS ${R[$size:rss_mb]} MB; on disk ${R[$size:disk_bytes]} B" \
         "= ${R[$size:bytes_per_user]} B/user (${R[$size:users_stored]} users, after a clean stop)"
    echo "scim-edge: peak RSS $(get "$size:edge_rss_mb") MB (its user cache holds up to" \
         "${SCIM_USER_CACHE_SIZE:-100000} users)"
    echo "durability: ${R[$size:durability]}"
  done

  echo
  echo "Targets"
  small="${SIZES[0]}"; large="${SIZES[${#SIZES[@]}-1]}"
  for size in "${SIZES[@]}"; do
    h=$(get "$size:healthz:rps")
    r=$(ratio "$(get "$size:get_user:rps")" "$h")
    echo "  $(verdict "$r" 0.6 ">=") GET /Users/{id} >= 0.6 x /healthz at $size users: $r"
    r=$(ratio "$(get "$size:post_user:rps")" "$h")
    echo "  $(verdict "$r" 0.4 ">=") POST /Users >= 0.4 x /healthz at $size users: $r"
    r=$(ratio "$(get "$size:patch_user:rps")" "$h")
    echo "  $(verdict "$r" 0.4 ">=") PATCH (1 attribute) >= 0.4 x /healthz at $size users: $r"
    echo "         (CPU per request, edge + identity + wrk: /healthz $(cpu_sum "$size" healthz) µs," \
         "so 0.4x leaves $(awk -v c="$(cpu_sum "$size" healthz)" 'BEGIN{printf "%.0f", c / 0.4}') µs;" \
         "POST $(cpu_sum "$size" post_user) µs, PATCH $(cpu_sum "$size" patch_user) µs)"
    r=$(ms "$(get "$size:get_user_half:p99")")
    echo "  $(verdict "$r" 5 "<=") p99 of GET /Users/{id} at half max rate <= 5 ms at $size users: $r ms"
  done
  if [ "$small" != "$large" ]; then
    for name in filter_username filter_externalid filter_email; do
      r=$(ratio "$(get "$large:$name:rps")" "$(get "$small:$name:rps")")
      echo "  $(verdict "$r" 0.9 ">=") ${LABEL[$name]} at $large >= 0.9 x at $small users: $r"
    done
  fi
  for size in "${SIZES[@]}"; do
    s=$(get "$size:sync_seconds")
    if [ "$size" -ge 100000 ] && [ -n "$s" ]; then
      echo "  $(verdict "$s" 60 "<=") Entra-style sync of $size users < 60 s: $s s"
    fi
    if [ "$size" -ge 1000000 ]; then
      echo "  $(verdict "${R[$size:rss_mb]}" 300 "<=") identity-service peak RSS <= 300 MB at $size users: ${R[$size:rss_mb]} MB"
    fi
    echo "  $(verdict "${R[$size:bytes_per_user]}" 1536 "<=") on disk <= 1.5 KB per user at $size users: ${R[$size:bytes_per_user]} B"
    echo "  $( [ -n "$(get "$size:durability")" ] && echo "met   " || echo "MISSED") acknowledged writes survive kill -9 at $size users"
  done
} | tee "$TABLE"

# --- the JSON
json_str() { sed 's/\\/\\\\/g; s/"/\\"/g' <<<"$1"; }
num() { local v="$1"; echo "${v:-null}"; }
mkdir -p "$(dirname "$JSON")"
{
  printf '{\n  "date": "%s",\n  "cores": %d,\n  "duration_s": %s,\n  "warmup_s": %s,\n  "wrk_threads": %d,\n  "connections": %d,\n  "sync_connections": %d,\n  "sizes": [\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc)" "$DURATION" "$WARMUP" "$WRK_THREADS" "$CONNS" "$SYNC_CONNS"
  first_size=1
  for size in "${SIZES[@]}"; do
    [ "$first_size" = 1 ] || printf ',\n'
    first_size=0
    h=$(get "$size:healthz:rps")
    printf '    {\n      "users": %d,\n      "loaded_by": "%s",\n      "load_seconds": %s,\n      "sync_seconds": %s,\n' \
      "$size" "$(json_str "${R[$size:load_how]}")" "$(num "$(get "$size:load_seconds")")" \
      "$(num "$(get "$size:sync_seconds")")"
    printf '      "half_rate_target_rps": %s,\n      "identity_peak_rss_mb": %s,\n      "edge_peak_rss_mb": %s,\n' \
      "${R[$size:half_rate_target]}" "${R[$size:rss_mb]}" "$(num "$(get "$size:edge_rss_mb")")"
    printf '      "identity_disk_bytes": %s,\n      "identity_bytes_per_user": %s,\n      "users_stored": %s,\n' \
      "${R[$size:disk_bytes]}" "${R[$size:bytes_per_user]}" "${R[$size:users_stored]}"
    printf '      "durability": "%s",\n      "workloads": {\n' "$(json_str "${R[$size:durability]}")"
    first=1
    for name in "${NAMES[@]}"; do
      rps=$(get "$size:$name:rps")
      [ -n "$rps" ] || continue
      [ "$first" = 1 ] || printf ',\n'
      first=0
      printf '        "%s": {"label": "%s", "rps": %s, "p50_ms": %s, "p99_ms": %s, "ratio_to_healthz": %s, "requests": %s, "errors": %s, "cpu_us_per_request": {"edge": %s, "identity": %s, "wrk": %s}}' \
        "$name" "$(json_str "${LABEL[$name]}")" "$rps" \
        "$(ms "$(get "$size:$name:p50")")" "$(ms "$(get "$size:$name:p99")")" \
        "$(ratio "$rps" "$h")" "$(get "$size:$name:requests")" "$(get "$size:$name:errors")" \
        "$(num "$(get "$size:$name:cpu_edge")")" "$(num "$(get "$size:$name:cpu_identity")")" \
        "$(num "$(get "$size:$name:cpu_wrk")")"
    done
    printf '\n      }\n    }'
  done
  printf '\n  ]\n}\n'
} >"$JSON"
cp "$TABLE" "${JSON%.json}.txt"
echo
echo "bench: wrote $JSON and ${JSON%.json}.txt"
if [ "$BROKEN" = 1 ]; then
  echo "bench: FAILED: some requests failed (see above)" >&2
  exit 1
fi
