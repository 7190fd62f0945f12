-- wrk script: every request submits a fresh in-progress attempt, as the workspace's form does.
--
--   wrk -s bench/submit.lua -H "Cookie: ..." http://127.0.0.1:PORT -- POOL THREADS
--
-- POOL is a file written by bench/load.py: the CSRF token on its first line, then
-- one attempt id per line. Thread k of THREADS takes every THREADS-th id from the
-- k-th, so no attempt is submitted twice. A thread that runs out of ids stops
-- (and says so at the end): the pool is sized so that it does not.

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

local ids, next_id, token = {}, 1, ""
ran_out = false  -- a global: done() reads it through thread:get

local function urlencode(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function answer()
  local parts = {"# Rate limiter for the public API\n\n"}
  for n = 1, 3 do
    parts[#parts + 1] = string.format(
      "## Part %d\n- %dk requests per second at peak; p99 under 50 ms\n\n", n, 10 + n)
  end
  return table.concat(parts)
end

function init(args)
  local count = tonumber(args[2])
  local n = 0
  for line in io.lines(args[1]) do
    if n == 0 then
      token = line
    elseif (n - 1) % count == index then
      ids[#ids + 1] = line
    end
    n = n + 1
  end
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["X-CSRFToken"] = token
end

local body_tail

function request()
  local id = ids[next_id]
  if id == nil then
    ran_out = true
    id = ids[#ids]  -- answered 302 (already submitted): counted, but the thread stops
  end
  next_id = next_id + 1
  body_tail = body_tail or ("&body=" .. urlencode(answer()) .. "&based_on=0&client_id=bench")
  return wrk.format("POST", "/practice/attempts/" .. id .. "/submit", nil,
                    "csrf_token=" .. urlencode(token) .. body_tail)
end

function response(status, headers, body)
  if next_id > #ids then
    ran_out = true
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    if thread:get("ran_out") then
      io.write("bench: the pool of fresh attempts ran out\n")
      return
    end
  end
end
