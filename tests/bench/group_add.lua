-- PATCH /Groups/{id}: add one random loaded user to one of the bench groups
-- (BENCH_GROUPS: a file of group ids), in the shape Entra sends. The answer
-- leaves the member list out (excludedAttributes=members), so its size does
-- not grow with the group.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
setup, done = bench.setup, bench.done
local ids, groups = nil, {}
bad = 0

function init(args)
  ids = bench.load_ids()
  assert(#ids > 0, "no user ids (BENCH_IDS)")
  local f = assert(io.open(assert(os.getenv("BENCH_GROUPS"), "BENCH_GROUPS is not set"), "r"))
  for line in f:lines() do if line ~= "" then groups[#groups + 1] = line end end
  f:close()
  assert(#groups > 0, "no groups")
  math.randomseed(5000 + (tid or 0))
end

function request()
  local body = string.format(
    [[{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"%s"}]}]}]],
    ids[math.random(#ids)])
  return wrk.format("PATCH", bench.base .. "/Groups/" .. groups[math.random(#groups)] ..
                    "?excludedAttributes=members", bench.write_headers, body)
end

function response(status, headers, body)
  if status ~= 200 and status ~= 204 then bad = bad + 1 end
end
