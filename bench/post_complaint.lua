-- wrk script of the `intake` benchmark: POST one complaint (JSON from BENCH_BODY_FILE) with the
-- bearer token BENCH_TOKEN to the URL's path, and print a JSON summary line at the end.
local file = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
local template = file:read("*a")
file:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")

-- A different phone number each request ("NNNN NNNN" in the template), as different customers.
local n = 0
function request()
  n = n + 1
  local tail = string.format("%04d %04d", math.random(0, 9999), n % 10000)
  return wrk.format(nil, nil, nil, (template:gsub("NNNN NNNN", tail)))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
