-- GET /api/v1/messages/summary — the unread badge.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args)
   bench.set_requests({ wrk.format("GET", "/api/v1/messages/summary", bench.headers()) })
end
