-- Scenario (d), the refresh-token grant, for wrk. Refresh tokens rotate: each is used once and the answer carries
-- the next. Each wrk thread keeps a queue of tokens: a request takes one, a 200 answer puts the new one back, so
-- every connection follows its own chain and no token is ever presented twice.
--   BENCH_REFRESH_TOKENS=tokens.txt BENCH_WRK_THREADS=T wrk -t T -c C ... -s refresh.lua URL -- PATH "Authorization: Basic …"
-- tokens.txt holds one refresh token per line, at least C of them, dealt round-robin to the T threads.
local report = dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
local shared = dofile(os.getenv("BENCH_WRK_DIR") .. "/shared.lua")
shared.number_threads()

-- Thread state.
local queue
local path
local headers

function init(args)
  path = args[1]
  headers = shared.headers(args, 2)
  headers["Content-Type"] = headers["Content-Type"] or "application/x-www-form-urlencoded"
  queue = shared.thread_lines(os.getenv("BENCH_REFRESH_TOKENS"), thread_number)
end

-- wrk calls request() once on the first thread, before any connection, only to check that it parses: that call
-- must not take a token from the queue.
local verified = false

function request()
  if not verified and thread_number == 1 then
    verified = true
    return wrk.format("POST", path, headers, "grant_type=refresh_token&refresh_token=" .. (queue[1] or "none-left"))
  end
  -- An empty queue means an earlier refresh failed; the request then fails too and is counted as an error.
  local token = table.remove(queue, 1) or "none-left"
  return wrk.format("POST", path, headers, "grant_type=refresh_token&refresh_token=" .. token)
end

local failures_shown = 0

function response(status, response_headers, body)
  if status == 200 then
    local token = body:match('"refresh_token"%s*:%s*"([^"]+)"')
    if token then
      queue[#queue + 1] = token
      return
    end
  end
  -- The first few failures go to the wrk log the driver keeps.
  if failures_shown < 3 then
    failures_shown = failures_shown + 1
    io.write("BENCH_FAILURE ", status, " ", (body or ""):gsub("%s+", " "):sub(1, 400), "\n")
  end
end

done = report.done
