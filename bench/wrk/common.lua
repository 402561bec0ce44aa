-- Shared by the bench/wrk scripts (loaded with dofile from each; wrk runs one Lua state per
-- thread). Everything comes from the environment that bench/run sets:
--   BENCH_TOKEN   bearer token          BENCH_PROBE=1  print the first non-2xx answer
-- Requests are formatted once, in init(), so wrk spends its CPU on I/O, not on Lua.

bench = {}

function bench.env(name, default)
   local v = os.getenv(name)
   if v == nil or v == "" then
      if default ~= nil then return default end
      error("bench/wrk: environment variable " .. name .. " is not set")
   end
   return v
end

function bench.split(s)
   local out = {}
   for item in string.gmatch(s, "[^,]+") do out[#out + 1] = item end
   return out
end

function bench.headers(extra)
   local h = { ["Authorization"] = "Bearer " .. bench.env("BENCH_TOKEN"), ["Accept"] = "application/json" }
   for k, v in pairs(extra or {}) do h[k] = v end
   return h
end

-- A list of pre-formatted requests, served round-robin; each thread starts at another offset.
local requests, next_index = {}, 1

function bench.set_requests(list)
   requests = list
   -- wrk numbers threads only through setup(); a random start spreads them well enough.
   math.randomseed(os.time() + math.floor(os.clock() * 1000000))
   next_index = math.random(1, #requests)
end

function request()
   local r = requests[next_index]
   next_index = next_index + 1
   if next_index > #requests then next_index = 1 end
   return r
end

if os.getenv("BENCH_PROBE") == "1" then
   local shown = false
   function response(status, headers, body)
      if (status < 200 or status > 299) and not shown then
         shown = true
         io.stderr:write("bench/wrk: first non-2xx answer: " .. status .. " " .. tostring(body) .. "\n")
      end
   end
end

-- One line of JSON that bench/run parses: counts, errors and latency percentiles (µs).
function done(summary, latency, requests_)
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,' ..
      '"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.min, latency.mean, latency.stdev, latency.max,
      latency:percentile(50), latency:percentile(75), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9)))
end
