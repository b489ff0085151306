-- PUT /Users/{id} of a random loaded user: the whole user, with a new title.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
setup, done = bench.setup, bench.done
local ids, idx
local n = 0
bad = 0

function init(args)
  ids, idx = bench.load_ids()
  assert(#ids > 0, "no user ids (BENCH_IDS)")
  math.randomseed(4000 + (tid or 0))
end

function request()
  n = n + 1
  local k = math.random(#ids)
  local i = idx[k]
  return wrk.format("PUT", bench.base .. "/Users/" .. ids[k], bench.write_headers,
                    bench.user_json(bench.user_name(i), bench.external_id(i), i,
                                    string.format("Title %d-%d", tid or 0, n)))
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
