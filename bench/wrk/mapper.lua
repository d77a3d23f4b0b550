-- Scenario (f), the identity mapper as API ML calls it, for wrk: every request carries a gateway cookie JWT of its
-- own, as API ML mints one per call. The cookies are pre-minted, one a line, dealt round-robin to the threads; each
-- is sent once. When a thread has none left it sends "none-left", which IdP refuses, so the run shows errors rather
-- than a cookie sent twice.
--   BENCH_MAPPER_COOKIES=cookies.txt BENCH_WRK_THREADS=T wrk -t T ... -s mapper.lua URL -- METHOD PATH BODY_FILE [ "Header: value" ... ]
-- BODY_FILE holds one body per line; the requests cycle through them, as in request.lua. With BENCH_MAPPER_COOKIES_CYCLE=1
-- (warm-ups, the empty endpoint) the cookies cycle too.
local report = dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
local shared = dofile(os.getenv("BENCH_WRK_DIR") .. "/shared.lua")
shared.number_threads()

-- Thread state.
local method, path, headers, cookies
local bodies = {}
local next_body = 0
local next_cookie = 0
local cycle = os.getenv("BENCH_MAPPER_COOKIES_CYCLE") == "1"

function init(args)
  method, path = args[1], args[2]
  headers = shared.headers(args, 4)
  for line in io.lines(args[3]) do
    if #line > 0 then
      bodies[#bodies + 1] = line
    end
  end
  cookies = shared.thread_lines(os.getenv("BENCH_MAPPER_COOKIES"), thread_number)
  -- Threads start at different places in the body rotation.
  next_body = math.random(#bodies) - 1
end

local exhausted_shown = false

local function take_cookie()
  if cycle then
    next_cookie = next_cookie % #cookies + 1
    return cookies[next_cookie]
  end
  next_cookie = next_cookie + 1
  if next_cookie > #cookies then
    if not exhausted_shown then
      exhausted_shown = true
      io.write("BENCH_FAILURE cookie pool exhausted after ", #cookies, " requests on thread ", thread_number, "\n")
    end
    return "none-left"
  end
  return cookies[next_cookie]
end

-- wrk calls request() once on the first thread, before any connection, only to check that it parses: that call
-- must not spend a cookie.
local verified = false

function request()
  next_body = next_body % #bodies + 1
  headers["Cookie"] = "apimlAuthenticationToken=" .. ((not verified and thread_number == 1) and cookies[1] or take_cookie())
  verified = true
  return wrk.format(method, path, headers, bodies[next_body])
end

done = report.done
