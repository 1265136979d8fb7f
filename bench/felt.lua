-- wrk script: the htmx fragment route, POST /skjema/$BENCH_FORM/<draft>/$BENCH_PAGE/felt, as htmx
-- sends it on a change: every field of the page (hx-include), the draft's current `_version`,
-- `HX-Request: true`, and with BENCH_TRIGGER set, `HX-Trigger-Name: $BENCH_TRIGGER` (the field
-- that changed, validated inline). Without BENCH_TRIGGER it is the plain autosave.
--
-- Every save bumps the draft's version, and a post with an old version is refused (409). Each
-- thread owns a disjoint slice of the pool (BENCH_POOL, "id version" per line), takes its drafts
-- round-robin, never has two requests in flight for one draft, and reads the draft id and the new
-- version back from each response (the form's `action` and its hidden `_version`).

local dir = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
dofile(dir .. "/lib.lua")

local ids, versions, index, busy, dead
local cursor, seq = 0, 0
local prefix, suffix, headers, trigger

local function enc(s)
   return (s:gsub("[^%w%-%._~]", function(c)
      if c == " " then return "+" end
      return string.format("%%%02X", string.byte(c))
   end))
end

function init(args)
   ids, versions = read_pool(thread_index, thread_count)
   index, busy, dead = {}, {}, {}
   for i, id in ipairs(ids) do index[id] = i end
   local form = os.getenv("BENCH_FORM") or "RF-1140"
   local page = os.getenv("BENCH_PAGE") or "oppgavegiver"
   prefix = "/skjema/" .. form .. "/"
   suffix = "/" .. page .. "/felt"
   trigger = os.getenv("BENCH_TRIGGER")
   if trigger == "" then trigger = nil end
   headers = {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["HX-Request"] = "true",
      ["Cookie"] = os.getenv("BENCH_COOKIE") or "",
   }
   if trigger then headers["HX-Trigger-Name"] = trigger end
   collisions = 0
end

-- The page's answers. Autosave: the contact name changes on every post. Validation: the
-- organisation number alternates between a valid and an invalid one (inline error shown).
local function body(version)
   seq = seq + 1
   local org = "819897522"
   if trigger and seq % 2 == 0 then org = "819897523" end
   return "_version=" .. version
      .. "&leveranse.oppgavegiver.organisasjonsnummer=" .. org
      .. "&leveranse.oppgavegiver.kontaktinformasjon.navn=" .. enc("Kari Testperson " .. seq)
      .. "&leveranse.oppgavegiver.kontaktinformasjon.telefonnummer=" .. enc("22 22 22 22")
      .. "&leveranse.oppgavegiver.kontaktinformasjon.varselEpostadresse=" .. enc("kontakt@eksempel.no")
      .. "&leveranse.oppgavegiver.kontaktinformasjon.varselSmsMobilnummer="
end

function request()
   local n = #ids
   local pick
   for _ = 1, n do
      cursor = cursor % n + 1
      if not busy[cursor] and not dead[cursor] then
         pick = cursor
         break
      end
   end
   if not pick then
      -- Every draft of this slice is in flight or lost: a pool too small for the connections.
      collisions = collisions + 1
      cursor = cursor % n + 1
      pick = cursor
   end
   busy[pick] = true
   return wrk.format("POST", prefix .. ids[pick] .. suffix, headers, body(versions[pick]))
end

function on_response(status, text)
   local id = text:match("/skjema/[^/\"]+/(%x+%-%x+%-%x+%-%x+%-%x+)/")
   local i = id and index[id]
   if not i then
      unparsed = unparsed + 1
      return
   end
   busy[i] = nil
   local v = text:match('name="_version" value="(%d+)"')
   if status == 200 and v then
      versions[i] = tonumber(v)
   else
      dead[i] = true
   end
end
