-- GET /Users/{id} of a random loaded user. With BENCH_RATE set, paced at that
-- many requests/s (the latency-at-half-rate figure).
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
setup, done = bench.setup, bench.done
local ids
bad = 0

function init(args)
  ids = bench.load_ids()
  assert(#ids > 0, "no user ids (BENCH_IDS)")
  bench.seed(1000)
  delay = bench.pacer()
end

function request()
  return wrk.format("GET", bench.base .. "/Users/" .. ids[math.random(#ids)], bench.read_headers)
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
