-- wrk script: GET requests, counting every status (see lib.lua).
--
--   without BENCH_POOL: GET the URL given to wrk (the hello route, the catalogue)
--   with BENCH_POOL and BENCH_PAGE: GET /skjema/$BENCH_FORM/<draft>/$BENCH_PAGE, the drafts taken
--   round-robin (each thread its own slice of the pool), with Cookie: $BENCH_COOKIE
--
-- Example (see load.py, which prepares the pool and the cookie):
--   BENCH_THREADS=2 wrk -t2 -c64 -d10s --latency -s bench/get.lua http://127.0.0.1:PORT/

local dir = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
dofile(dir .. "/lib.lua")

local reqs, n

function init(args)
   local headers = {}
   local cookie = os.getenv("BENCH_COOKIE")
   if cookie and cookie ~= "" then headers["Cookie"] = cookie end
   local enc = os.getenv("BENCH_ACCEPT_ENCODING")
   if enc and enc ~= "" then headers["Accept-Encoding"] = enc end
   local page = os.getenv("BENCH_PAGE")
   reqs = {}
   if os.getenv("BENCH_POOL") and page and page ~= "" then
      local form = os.getenv("BENCH_FORM") or "RF-1140"
      local ids = read_pool(thread_index, thread_count)
      for i, id in ipairs(ids) do
         reqs[i] = wrk.format("GET", "/skjema/" .. form .. "/" .. id .. "/" .. page, headers)
      end
   else
      reqs[1] = wrk.format("GET", wrk.path, headers)
   end
   n = 0
end

function request()
   n = n % #reqs + 1
   return reqs[n]
end
