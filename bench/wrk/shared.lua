-- Helpers shared by the bench's wrk scripts, which load it with dofile (like report.lua).
local shared = {}

-- Gives each thread's state its number, thread_number (1, 2, …), through wrk's setup hook in the main state.
function shared.number_threads()
  local count = 0
  function setup(thread)
    count = count + 1
    thread:set("thread_number", count)
  end
end

-- The request headers: wrk's own (-H), then "Name: value" script arguments from args[first] on.
function shared.headers(args, first)
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  for k = first, #args do
    local name, value = args[k]:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  return headers
end

-- This thread's share of a file's non-empty lines, dealt round-robin to the BENCH_WRK_THREADS threads.
function shared.thread_lines(path, thread_number)
  local threads = tonumber(os.getenv("BENCH_WRK_THREADS"))
  local mine = {}
  local line_number = 0
  for line in io.lines(path) do
    if #line > 0 then
      if line_number % threads == thread_number - 1 then
        mine[#mine + 1] = line
      end
      line_number = line_number + 1
    end
  end
  return mine
end

return shared
