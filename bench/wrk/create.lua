-- POST /api/v1/messages/{BENCH_CATEGORY}: one valid message per patient of BENCH_PATIENTS
-- (comma-separated ids of patients enrolled in the sender's kommun) to BENCH_RECIPIENT.
-- Subject, text and details come from bodies.txt (shared with bench/run, which sends the same
-- values in its capture requests and to pgbench).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local function expand(s)
   s = string.gsub(s, "@DAY%+(%d+)@", function(n)
      return os.date("!%Y-%m-%d", os.time() + tonumber(n) * 86400)
   end)
   return (string.gsub(s, "@HOUR%-1@", os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 3600)))
end

local function texts(category)
   local body, subject, details
   for line in io.lines(os.getenv("BENCH_WRK_DIR") .. "/bodies.txt") do
      if string.sub(line, 1, 1) ~= "#" then
         local key, a, b = string.match(line, "^([^|]+)|([^|]*)|?(.*)$")
         if key == "body" then body = a end
         if key == category then subject, details = a, expand(b) end
      end
   end
   if subject == nil then error("bench/wrk/create.lua: no line for " .. category .. " in bodies.txt") end
   return subject, body, details
end

function init(args)
   local category = bench.env("BENCH_CATEGORY")
   local recipient = bench.env("BENCH_RECIPIENT")
   local subject, text, details = texts(category)
   local headers = bench.headers({ ["Content-Type"] = "application/json" })
   local list = {}
   for _, patient in ipairs(bench.split(bench.env("BENCH_PATIENTS"))) do
      local body = '{"patient_id":"' .. patient .. '","recipient_unit_id":"' .. recipient ..
         '","subject":"' .. subject .. '","body":"' .. text .. '","details":' .. details .. '}'
      list[#list + 1] = wrk.format("POST", "/api/v1/messages/" .. category, headers, body)
   end
   bench.set_requests(list)
end
