-- Reads back every user of BENCH_IDS ("<n> <id>" lines) once, each thread
-- its share (one connection per thread: -t C -c C), counting any answer but
-- 200 as bad; writes <BENCH_IDS_OUT>/done.<tid> and stops when finished.
-- The durability check of scripts/bench.sh after kill -9 of identity-service.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
setup, done = bench.setup, bench.done
local out_dir = os.getenv("BENCH_IDS_OUT")
local ids
local i, finished = 1, false
bad = 0

local function finish(running)
  if finished then return end
  finished = true
  if out_dir then
    local f = io.open(out_dir .. "/done." .. (tid or 0), "w")
    if f then f:write(bad, "\n"); f:close() end
  end
  if running then wrk.thread:stop() end
end

function init(args)
  ids = bench.load_ids()
  i = (tid or 0) + 1
  if i > #ids then finish(false) end
end

function request()
  local k = math.min(i, #ids)
  if k < 1 then return wrk.format("GET", "/healthz") end
  return wrk.format("GET", bench.base .. "/Users/" .. ids[k], bench.read_headers)
end

function response(status, headers, body)
  if finished then return end
  if status ~= 200 then
    bad = bad + 1
    if bad <= 5 then io.stderr:write("verify: user ", ids[i], " answered ", status, "\n") end
  end
  i = i + bench.threads
  if i > #ids then finish(true) end
end
