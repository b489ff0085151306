-- Shared by the wrk scripts of scripts/bench.sh. Loaded with dofile() from
-- each script, so every wrk thread (and the setup/done environment) has it.
-- Configuration comes from the environment (set by scripts/bench.sh):
--   BENCH_TOKEN   bearer token of the tenant
--   BENCH_BASE    SCIM base path (default /scim/v2)
--   BENCH_IDS     file of "<index> <user id>" lines of the loaded users
--   BENCH_USERS   number of loaded users (indexes 0..N-1)
--   BENCH_RUN     a tag that makes created userNames unique per run
--   BENCH_RATE    requests/s for the whole run (paced); unset = as fast as possible
--   BENCH_THREADS wrk threads (for pacing and for splitting work)
--   BENCH_CONNS   wrk connections (for pacing)
--   BENCH_SEED    added to each script's random seed: a warm-up run reads
--                 other users than the measured run that follows it
local ffi = require("ffi")
pcall(ffi.cdef, [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]])

local M = {}

M.token = os.getenv("BENCH_TOKEN") or "bench-token"
M.base = os.getenv("BENCH_BASE") or "/scim/v2"
M.users = tonumber(os.getenv("BENCH_USERS") or "0")
M.run = os.getenv("BENCH_RUN") or "r"
M.threads = tonumber(os.getenv("BENCH_THREADS") or "1")
M.conns = tonumber(os.getenv("BENCH_CONNS") or "1")

-- Seeds math.random per wrk thread: `base` per script, so two workloads do
-- not read the same users in the same order (the second would find the
-- first's blocks cached), plus BENCH_SEED.
function M.seed(base)
  math.randomseed(base + tonumber(os.getenv("BENCH_SEED") or "0") + (tid or 0))
end

M.read_headers = {
  ["Authorization"] = "Bearer " .. M.token,
  ["Accept"] = "application/scim+json",
}
M.write_headers = {
  ["Authorization"] = "Bearer " .. M.token,
  ["Accept"] = "application/scim+json",
  ["Content-Type"] = "application/scim+json",
}

local ts = ffi.new("bench_timespec")
function M.now_ms()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

-- The loaded users are named from their index, so any script can address
-- user i by userName, externalId or email without a lookup.
function M.user_name(i) return string.format("user%07d@bench.example.com", i) end
function M.external_id(i) return string.format("EMP-%07d", i) end

local first = { "Anna", "Bo", "Carla", "Dev", "Emil", "Fatima", "Goran", "Hana" }
local last = { "Andersson", "Berg", "Costa", "Dahl", "Ekström", "Fischer", "Gupta", "Holm" }
local depts = { "Sales", "Engineering", "Finance", "Support", "Marketing", "Legal" }

-- A typical user as Entra ID sends it: core attributes, a work email, a work
-- phone, a work address and the enterprise extension.
function M.user_json(user_name, external_id, n, title)
  local f = first[n % #first + 1]
  local l = last[math.floor(n / #first) % #last + 1]
  return string.format([[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],]] ..
    [["userName":"%s","externalId":"%s","active":true,"displayName":"%s %s",]] ..
    [["title":"%s","preferredLanguage":"en-US",]] ..
    [["name":{"formatted":"%s %s","familyName":"%s","givenName":"%s"},]] ..
    [["emails":[{"primary":true,"type":"work","value":"%s"}],]] ..
    [["phoneNumbers":[{"type":"work","value":"+1 555 %07d"}],]] ..
    [["addresses":[{"type":"work","formatted":"1 Main St, Springfield","streetAddress":"1 Main St","locality":"Springfield","region":"IL","postalCode":"62701","country":"US"}],]] ..
    [["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"%d","department":"%s","costCenter":"CC-%d"}}]],
    user_name, external_id, f, l, title or "Engineer", f, l, l, f, user_name,
    n % 10000000, n, depts[n % #depts + 1], n % 100)
end

function M.url_encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- Loaded user ids, index -> id, read once per thread.
function M.load_ids()
  local path = os.getenv("BENCH_IDS")
  local ids, idx = {}, {}
  if not path then return ids, idx end
  local f = assert(io.open(path, "r"), "cannot open " .. path)
  for line in f:lines() do
    local i, id = line:match("^(%d+) (%S+)$")
    if i then ids[#ids + 1] = id; idx[#idx + 1] = tonumber(i) end
  end
  f:close()
  return ids, idx
end

-- Pacing: BENCH_RATE requests/s for the whole run, split evenly over the
-- wrk threads; each thread hands out evenly spaced send times to its
-- connections. A slot missed (every connection busy) is skipped, not made up
-- with a burst, so the achieved rate (reported) can fall short of the target
-- but the arrivals stay even. Returns a delay() for wrk, or nil.
function M.pacer()
  local rate = tonumber(os.getenv("BENCH_RATE") or "")
  if not rate or rate <= 0 then return nil end
  local interval = 1000 * M.threads / rate  -- ms between two sends of this thread
  local next_due = nil
  return function()
    local now = M.now_ms()
    if next_due == nil or next_due < now then next_due = now end
    local d = next_due - now
    next_due = next_due + interval
    return math.floor(d + 0.5)
  end
end

-- Threads, numbered in setup() so each can make unique names and split work.
local threads = {}
function M.setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

-- One machine-readable line for scripts/bench.sh, after wrk's own summary.
-- Scripts count their own failures (e.g. a lookup that found nothing) in the
-- thread global `bad`.
function M.done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (tonumber(t:get("bad")) or 0) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"rps":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"bad":%d}\n',
    summary.requests, summary.duration,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, bad))
end

return M
