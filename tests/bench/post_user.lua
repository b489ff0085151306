-- POST /Users of a new, unique user (names carry BENCH_RUN and the thread).
-- With BENCH_IDS_OUT set, each thread writes the ids of the users whose
-- creation was acknowledged (201) to <dir>/acked.<tid>, for the durability
-- check that follows.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
setup, done = bench.setup, bench.done
local n = 0
local acked
bad = 0

function init(args)
  local dir = os.getenv("BENCH_IDS_OUT")
  if dir then acked = assert(io.open(dir .. "/acked." .. (tid or 0), "w")) end
end

function request()
  n = n + 1
  local name = string.format("%s-t%d-%d@post.bench.example.com", bench.run, tid or 0, n)
  local ext = string.format("%s-t%d-%d", bench.run, tid or 0, n)
  return wrk.format("POST", bench.base .. "/Users", bench.write_headers,
                    bench.user_json(name, ext, n))
end

function response(status, headers, body)
  if status ~= 201 then bad = bad + 1; return end
  if acked then
    local id = (headers["Location"] or ""):match("/Users/([^/]+)$")
    if id then acked:write(n, " ", id, "\n"); acked:flush() end
  end
end
