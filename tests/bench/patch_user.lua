-- PATCH /Users/{id} of a random loaded user: one attribute, as Entra sends it.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
setup, done = bench.setup, bench.done
local ids
local n = 0
bad = 0

function init(args)
  ids = bench.load_ids()
  assert(#ids > 0, "no user ids (BENCH_IDS)")
  math.randomseed(3000 + (tid or 0))
end

function request()
  n = n + 1
  local body = string.format(
    [[{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Title %d-%d"}]}]],
    tid or 0, n)
  return wrk.format("PATCH", bench.base .. "/Users/" .. ids[math.random(#ids)],
                    bench.write_headers, body)
end

function response(status, headers, body)
  if status ~= 200 and status ~= 204 then bad = bad + 1 end
end
