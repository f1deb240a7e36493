-- wrk script of bench/http_pages.py: counts every response that is not a 200 (wrk itself counts only statuses
-- above 399, so a redirect to the sign-in page would pass unnoticed) and prints one line of JSON at the end:
--   WRK_JSON {"requests": ..., "duration_us": ..., "p50_us": ..., ...}
-- Latencies are in microseconds, as wrk measures them.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non200 = 0
  last_status = 0
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    last_status = status
  end
end

function done(summary, latency, requests)
  local bad, bad_status = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non200")
    local status = thread:get("last_status")
    if status ~= 0 then
      bad_status = status
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "mean_us": %.1f, "non200": %d, "non200_status": %d, "errors": {"connect": %d, '
      .. '"read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    bad, bad_status, errors.connect, errors.read, errors.write, errors.status, errors.timeout
  ))
end
