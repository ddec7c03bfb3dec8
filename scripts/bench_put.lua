-- wrk script: durable event PUTs (issue 14). Each request creates a new calendar object with
-- If-None-Match: * from davbench's own generated events and to-dos (bench_compare.sh writes
-- them and a list of their paths), under a fresh name and UID, in the collection of wrk's URL:
--
--   wrk -t2 -c8 -d10s -H "Authorization: Basic ..." -s scripts/bench_put.lua \
--     http://127.0.0.1:PORT/dav/calendars/bench/benchcal/ -- LIST TAG
--
-- LIST: a file naming one .ics file per line. TAG: this run's name prefix; thread N names its
-- objects TAG-N-<count>.ics and gives each the same UID (a calendar refuses two objects of one
-- UID, RFC 4791 §5.3.2.1), so no two runs and no two threads collide. The lines printed at the
-- end count what was sent and how it was answered: each 2xx answer is a write the server
-- acknowledged, so the collection must hold at least put_2xx and at most put_sent objects named
-- TAG-* afterwards (wrk stops with up to one request per connection unanswered).

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

-- Splits an object around the value of its UID line: the body is head .. uid .. tail.
local function split_uid(text, file)
  local s, e = text:find("\nUID:", 1, true)
  if s == nil then error("no UID line in " .. file) end
  local stop = text:find("\r?\n", e + 1)
  return text:sub(1, e), text:sub(stop)
end

function init(args)
  local list, tag = args[1], args[2]
  if list == nil or tag == nil then error("usage: -s bench_put.lua URL -- LIST TAG") end
  heads, tails = {}, {}
  for file in io.lines(list) do
    local f = assert(io.open(file, "rb"))
    local text = f:read("*a")
    f:close()
    local head, tail = split_uid(text, file)
    table.insert(heads, head)
    table.insert(tails, tail)
  end
  if #heads == 0 then error(list .. " names no file") end
  prefix = wrk.path .. tag .. "-" .. id .. "-"
  uid_prefix = tag .. "-" .. id .. "-"
  wrk.method = "PUT"
  wrk.headers["If-None-Match"] = "*"
  wrk.headers["Content-Type"] = "text/calendar; charset=utf-8"
  sent, ok, failed, first_failure = 0, 0, 0, ""
end

function request()
  sent = sent + 1
  local i = (sent - 1) % #heads + 1
  local body = heads[i] .. uid_prefix .. sent .. tails[i]
  return wrk.format(nil, prefix .. sent .. ".ics", nil, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    failed = failed + 1
    if first_failure == "" then first_failure = status .. " " .. body:sub(1, 200) end
  end
end

function done(summary, latency, requests)
  local sent_all, ok_all, failed_all = 0, 0, 0
  for _, thread in ipairs(threads) do
    sent_all = sent_all + thread:get("sent")
    ok_all = ok_all + thread:get("ok")
    failed_all = failed_all + thread:get("failed")
    local first = thread:get("first_failure")
    if first ~= "" then io.write("put_first_failure ", (first:gsub("%s+", " ")), "\n") end
  end
  io.write("put_sent ", sent_all, "\nput_2xx ", ok_all, "\nput_non2xx ", failed_all, "\n")
end
