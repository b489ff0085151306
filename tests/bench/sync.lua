-- An Entra-style provisioning cycle: for each user, look it up by userName
-- filter, then create it (POST) when absent or update it (PATCH of one
-- attribute) when present. Run with one connection per wrk thread (-t C -c C):
-- each thread walks users tid, tid+C, tid+2C, ... < BENCH_USERS, one request
-- at a time, and stops when its share is done.
--   BENCH_IDS_OUT  directory: each thread writes ids.<tid> ("<index> <id>" of
--                  the users it created) and done.<tid> when finished
--   BENCH_DURATION_ONLY  when set, the cycle wraps around instead of
--                  stopping (a fixed-duration rate measurement)
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
setup, done = bench.setup, bench.done
local out_dir = os.getenv("BENCH_IDS_OUT")
local wrap = os.getenv("BENCH_DURATION_ONLY") ~= nil
local i, phase, target, finished = 0, "lookup", nil, false
local ids_file
local n = 0
bad = 0
created = 0
updated = 0

function init(args)
  assert(bench.users > 0, "BENCH_USERS is not set")
  i = tid or 0
  if out_dir then ids_file = assert(io.open(out_dir .. "/ids." .. (tid or 0), "w")) end
  -- wrk calls init() before the thread runs, when it cannot be stopped yet.
  if i >= bench.users then finish(true) end
end

function finish(not_running)
  if finished then return end
  finished = true
  if ids_file then ids_file:close(); ids_file = nil end
  if out_dir then
    local f = io.open(out_dir .. "/done." .. (tid or 0), "w")
    if f then f:write(created, " ", updated, " ", bad, "\n"); f:close() end
  end
  if not not_running then wrk.thread:stop() end
end

function request()
  local j = math.min(i, bench.users - 1)
  if phase == "lookup" or finished then
    return wrk.format("GET", bench.base .. "/Users?filter=" ..
                      bench.url_encode('userName eq "' .. bench.user_name(j) .. '"'),
                      bench.read_headers)
  end
  if target == nil then
    return wrk.format("POST", bench.base .. "/Users", bench.write_headers,
                      bench.user_json(bench.user_name(j), bench.external_id(j), j))
  end
  n = n + 1
  return wrk.format("PATCH", bench.base .. "/Users/" .. target, bench.write_headers,
    string.format([[{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Synced %d-%d"}]}]],
                  tid or 0, n))
end

local function next_user()
  phase, target = "lookup", nil
  i = i + bench.threads
  if i >= bench.users then
    if wrap then i = tid or 0 else finish() end
  end
end

function response(status, headers, body)
  if finished then return end
  if phase == "lookup" then
    if status ~= 200 then bad = bad + 1; next_user(); return end
    if body:find('"totalResults":0', 1, true) then
      target = nil
    else
      target = body:match('"id":"([^"]+)"')
      if target == nil then bad = bad + 1; next_user(); return end
    end
    phase = "write"
    return
  end
  if target == nil then
    if status == 201 then
      created = created + 1
      local loc = headers["Location"] or headers["location"] or ""
      local id = loc:match("/Users/([^/]+)$")
      if ids_file and id then ids_file:write(i, " ", id, "\n") end
    else
      bad = bad + 1
    end
  else
    if status == 200 or status == 204 then updated = updated + 1 else bad = bad + 1 end
  end
  next_user()
end
