-- GET /api/v1/messages?box=inbox — the first page, or with BENCH_CURSOR the page after that
-- cursor (bench/run computes a cursor ~10,000 rows deep, encoded exactly as the API does).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args)
   local path = "/api/v1/messages?box=inbox"
   local cursor = os.getenv("BENCH_CURSOR")
   if cursor ~= nil and cursor ~= "" then path = path .. "&cursor=" .. cursor end
   bench.set_requests({ wrk.format("GET", path, bench.headers()) })
end
