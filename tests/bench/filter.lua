-- GET /Users?filter=<attr> eq "<value of a random loaded user>", expecting
-- exactly that user. BENCH_FILTER: userName (default), externalId or email
-- (emails[type eq "work"].value).
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
setup, done = bench.setup, bench.done
local kind = os.getenv("BENCH_FILTER") or "userName"
bad = 0

local function filter_for(i)
  if kind == "externalId" then
    return 'externalId eq "' .. bench.external_id(i) .. '"'
  elseif kind == "email" then
    return 'emails[type eq "work"].value eq "' .. bench.user_name(i) .. '"'
  end
  return 'userName eq "' .. bench.user_name(i) .. '"'
end

function init(args)
  assert(bench.users > 0, "BENCH_USERS is not set")
  bench.seed(({userName = 2000, externalId = 2100, email = 2200})[kind] or 2000)
end

function request()
  local i = math.random(0, bench.users - 1)
  return wrk.format("GET", bench.base .. "/Users?filter=" .. bench.url_encode(filter_for(i)),
                    bench.read_headers)
end

function response(status, headers, body)
  if status ~= 200 or not body:find('"totalResults":1', 1, true) then bad = bad + 1 end
end
