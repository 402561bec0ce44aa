-- GET /api/v1/messages/{id}, cycling over BENCH_MESSAGE_IDS (comma-separated ids from the
-- caller's inbox, chosen by bench/run).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args)
   local list = {}
   for _, id in ipairs(bench.split(bench.env("BENCH_MESSAGE_IDS"))) do
      list[#list + 1] = wrk.format("GET", "/api/v1/messages/" .. id, bench.headers())
   end
   bench.set_requests(list)
end
