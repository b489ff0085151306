-- GET /healthz: the edge alone (no auth, no backend), the ceiling of this run.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
setup, done = bench.setup, bench.done
wrk.method = "GET"
wrk.path = "/healthz"
