-- wrk script of bench/http_pages.py: counts every response that is not a 200 (wrk itself counts only statuses
-- above 399, so a redirect to the sign-in page would pass unnoticed), counts the members' kept pages served
-- (`X-Page-Cache: hit`) and rendered (`X-Page-Cache: miss`; a response without the header, the bare view's,
-- counts as neither), and prints one line of JSON at the end:
--   WRK_JSON {"requests": ..., "duration_us": ..., "p50_us": ..., ..., "page_cache_hits": ..., ...}
-- Latencies are in microseconds, as wrk measures them.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non200 = 0
  last_status = 0
  page_cache_hits = 0
  page_cache_misses = 0
end

-- The X-Page-Cache header's value, whatever the case of its name as the server wrote it (nil when absent).
local function page_cache_header(headers)
  local value = headers["X-Page-Cache"] or headers["x-page-cache"]
  if value == nil then
    for name, found in pairs(headers) do
      if string.lower(name) == "x-page-cache" then
        return found
      end
    end
  end
  return value
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    last_status = status
  end
  local kept = page_cache_header(headers)
  if kept == "hit" then
    page_cache_hits = page_cache_hits + 1
  elseif kept == "miss" then
    page_cache_misses = page_cache_misses + 1
  end
end

function done(summary, latency, requests)
  local bad, bad_status, hits, misses = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non200")
    local status = thread:get("last_status")
    if status ~= 0 then
      bad_status = status
    end
    hits = hits + thread:get("page_cache_hits")
    misses = misses + thread:get("page_cache_misses")
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "mean_us": %.1f, "non200": %d, "non200_status": %d, "page_cache_hits": %d, '
      .. '"page_cache_misses": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, '
      .. '"timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    bad, bad_status, hits, misses, errors.connect, errors.read, errors.write, errors.status, errors.timeout
  ))
end
