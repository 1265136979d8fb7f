-- Shared by the wrk scripts in bench/: per-thread status counts and a JSON result file.
--
-- Each script sets `on_response(status, body)` if it needs the body. Environment:
--   BENCH_OUT   file to write the result JSON to (written by done(); optional)
--   BENCH_POOL  file of drafts, one "id version" per line (the draft scripts)
--   BENCH_COOKIE  the session cookie value ("tasteskjema_id=...")

local threads = {}
local n_threads = 0

function setup(thread)
   n_threads = n_threads + 1
   thread:set("thread_index", n_threads)
   thread:set("thread_count", tonumber(os.getenv("BENCH_THREADS") or "0") or 0)
   table.insert(threads, thread)
end

statuses = {}
unparsed = 0

function response(status, headers, body)
   local k = tostring(status)
   statuses[k] = (statuses[k] or 0) + 1
   if on_response then on_response(status, body) end
end

-- Reads the draft pool; returns the ids and versions of this thread's slice (every
-- `thread_count`th draft starting at `thread_index`), so no two threads share a draft.
function read_pool(index, count)
   local path = os.getenv("BENCH_POOL")
   assert(path, "BENCH_POOL is not set")
   local ids, versions = {}, {}
   local i = 0
   for line in io.lines(path) do
      local id, v = line:match("^(%S+)%s+(%d+)")
      if id then
         if count < 1 or i % count == index - 1 then
            ids[#ids + 1] = id
            versions[#versions + 1] = tonumber(v)
         end
         i = i + 1
      end
   end
   assert(#ids > 0, "no drafts for thread " .. index)
   return ids, versions
end

local function json_value(v)
   if type(v) == "table" then
      local parts = {}
      for k, x in pairs(v) do
         parts[#parts + 1] = string.format("%q:%s", tostring(k), json_value(x))
      end
      return "{" .. table.concat(parts, ",") .. "}"
   elseif type(v) == "number" then
      return string.format("%.17g", v)
   elseif type(v) == "string" then
      return string.format("%q", v)
   elseif v == nil then
      return "null"
   end
   return tostring(v)
end

function done(summary, latency, requests)
   local all = {}
   local bad, coll = 0, 0
   for _, t in ipairs(threads) do
      for k, n in pairs(t:get("statuses") or {}) do
         all[k] = (all[k] or 0) + n
      end
      bad = bad + (t:get("unparsed") or 0)
      coll = coll + (t:get("collisions") or 0)
   end
   local result = {
      requests = summary.requests,
      duration_us = summary.duration,
      bytes = summary.bytes,
      errors = summary.errors,
      statuses = all,
      unparsed = bad,
      collisions = coll,
      latency_us = {
         mean = latency.mean,
         max = latency.max,
         p50 = latency:percentile(50.0),
         p90 = latency:percentile(90.0),
         p99 = latency:percentile(99.0),
         p999 = latency:percentile(99.9),
      },
   }
   local out = os.getenv("BENCH_OUT")
   if out and out ~= "" then
      local f = assert(io.open(out, "w"))
      f:write(json_value(result), "\n")
      f:close()
   end
end
