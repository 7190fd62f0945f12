-- wrk script: autosaves of design attempts as the workspace's editor sends them.
--
--   wrk -s bench/autosave.lua -H "Cookie: ..." http://127.0.0.1:PORT -- POOL THREADS
--
-- POOL is a file written by bench/load.py: the CSRF token on its first line, then
-- one fresh attempt id per line; thread k of THREADS takes every THREADS-th id from
-- the k-th. Each save sends new text (the answer grows by a section per save, up to
-- twelve, and always names the save) based on the revision the server gave the
-- attempt's previous save, so every 200 is a real new revision.
--
-- wrk does not say which connection a reply belongs to, so the text says it: each
-- attempt (slot j of K) pads its text with spaces to a length of j modulo K, and
-- the reply's "size" (the saved text's bytes) names the slot its "revision" is for.
-- A thread keeps four times as many attempts as it has connections, so a free
-- slot (no save in flight) is always at hand.

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

local ids, base, step, busy, cursor, slots = {}, {}, {}, {}, 0, 0

local function answer(slot, n)
  local parts = {string.format("# Rate limiter for the public API (%d)\n\n", slot)}
  for part = 1, math.min(n, 12) do
    parts[#parts + 1] = string.format(
      "## Part %d\n- %dk requests per second at peak; p99 under 50 ms\n" ..
      "- [x] per-tenant limits  - [ ] global limits\n\n" ..
      "| table | key | notes |\n| --- | --- | --- |\n" ..
      "| counters | tenant_id, window | TTL %d s |\n\n" ..
      "```python\ndef allow_%d(key: str) -> bool:\n    return bucket(key).take(1)\n```\n\n",
      part, 10 + part, part * 5, part)
  end
  parts[#parts + 1] = string.format("Notes after save %d.\n", n)
  local text = table.concat(parts)
  return text .. string.rep(" ", (slot - 1 - #text) % slots)
end

function init(args)
  local count = tonumber(args[2])
  local n = 0
  for line in io.lines(args[1]) do
    if n == 0 then
      wrk.headers["X-CSRFToken"] = line
    elseif (n - 1) % count == index then
      ids[#ids + 1] = line
      base[#ids], step[#ids], busy[#ids] = 0, 0, false
    end
    n = n + 1
  end
  slots = #ids
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json"
end

function request()
  -- The next attempt with no save in flight (or, if a reply was lost, the next one).
  local slot = nil
  for _ = 1, slots do
    cursor = cursor % slots + 1
    if not busy[cursor] then slot = cursor break end
  end
  slot = slot or cursor % slots + 1
  busy[slot] = true
  step[slot] = step[slot] + 1
  local text = answer(slot, step[slot]):gsub("\n", "\\n")
  local body = string.format('{"body": "%s", "based_on": %d, "client_id": "bench-%d-%d"}',
                             text, base[slot], index, slot)
  return wrk.format("POST", "/practice/attempts/" .. ids[slot] .. "/draft", nil, body)
end

function response(status, headers, body)
  if status ~= 200 then return end
  local revision = tonumber(body:match('"revision":%s*(%d+)'))
  local size = tonumber(body:match('"size":%s*(%d+)'))
  if revision and size then
    local slot = size % slots + 1
    base[slot], busy[slot] = revision, false
  end
end
