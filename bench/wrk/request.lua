-- A fixed request, or a rotation of requests that differ only by body, for wrk.
--   wrk ... -s request.lua URL -- METHOD PATH BODY_FILE [ "Header: value" ... ]
-- BODY_FILE is "-" for no body, else a file with one body per line; the requests cycle through them.
-- Headers given with wrk's -H (e.g. "Connection: close") are kept. Every request is formatted once, in init.
local report = dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
local shared = dofile(os.getenv("BENCH_WRK_DIR") .. "/shared.lua")

local requests = {}
local next_index = 0

function init(args)
  local method, path, body_file = args[1], args[2], args[3]
  local headers = shared.headers(args, 4)

  if body_file == nil or body_file == "-" then
    requests[1] = wrk.format(method, path, headers, nil)
  else
    for line in io.lines(body_file) do
      if #line > 0 then
        requests[#requests + 1] = wrk.format(method, path, headers, line)
      end
    end
  end
  -- Threads start at different places in the rotation.
  next_index = (wrk.thread and math.random(#requests) or 1) - 1
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

done = report.done
