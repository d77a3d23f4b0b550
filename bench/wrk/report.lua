-- Shared by the bench's wrk scripts: at the end of a run, one line the driver parses.
--   BENCH_JSON {"requests":…,"duration_us":…,"status":…,"p50_us":…,"p99_us":…,…}
-- "status" counts responses with a status of 400 or more (wrk's own rule); the others are socket errors.
local report = {}

function report.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end

return report
