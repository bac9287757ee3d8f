-- One wrk script for every scenario of `make bench`.
--   wrk ... -s bench/wrk/load.lua URL -- get
--   wrk ... -s bench/wrk/load.lua URL -- languages <count>
--   wrk ... -s bench/wrk/load.lua URL -- book <first person> <slot> [<slot> ...]
--   wrk ... -s bench/wrk/load.lua URL -- paced <rate> <threads> <first person> <slot> [...]
--   wrk ... -s bench/wrk/load.lua URL -- submit <cookie file> <csrf cookie> <csrf token>
--   wrk ... -s bench/wrk/load.lua URL -- verify <first phone>
--   wrk ... -s bench/wrk/load.lua URL -- post
--   wrk ... -s bench/wrk/load.lua URL -- poll <rate> <threads>
-- "get" sends wrk's request as it is (with any -H headers), "post" the same as an empty POST
-- (a waiting phone asking where it stands), "poll" the same as "get" at <rate> requests/s in
-- all (people waiting, each looking every so often); "languages" does the same as "get" with
-- one of <count> browser Accept-Language values in turn.
-- "book" posts a booking for a new person each time (slots "<centre>|<date>", taken in turn);
-- "paced" does the same at <rate> requests/s in all, <threads> being wrk's -t.
-- "submit" posts the wizard's last step, each time with the next person's wizard cookies from
-- the file (one person's per line), as a browser that has answered every step would.
-- done() prints machine-readable lines that bench/load.py parses: STATUS, LATENCY, TOTAL.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *now);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("bench_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

local mode, first, slots, sent = "get", 0, {}, 0
local interval_ms, started_ms = 0, nil
local wizard_cookies, csrf_cookie, csrf_token = {}, "", ""
local languages = {}
responses = {}

-- Browser Accept-Language headers, all different: languages x regions x second choices.
local function accept_languages(count)
  local found = {}
  local langs = {"ms", "en", "zh", "ta", "id", "fr", "de", "ja", "ko", "ar"}
  local regions = {"MY", "SG", "US", "GB", "CN", "IN", "ID", "AU", "HK", "TW"}
  for _, second in ipairs({"en;q=0.9", "ms;q=0.8"}) do
    for _, lang in ipairs(langs) do
      for _, region in ipairs(regions) do
        table.insert(found, lang .. "-" .. region .. "," .. lang .. ";q=0.9," .. second)
      end
    end
  end
  while #found > count do table.remove(found) end
  return found
end

-- Paced: the k-th request of a thread is due k intervals after its first, whichever connection
-- sends it, so the rate holds however long each answer takes (up to the connections' limit).
-- wrk asks thread 0 after init whether a delay() exists, so only "paced" and "poll" define one: the
-- other modes send the next request as soon as an answer is in.
local due = 0
local function paced_delay()
  local now = now_ms()
  started_ms = started_ms or now
  local wait = started_ms + due * interval_ms - now
  due = due + 1
  return wait > 0 and math.floor(wait) or 0
end

function init(args)
  mode = args[1] or "get"
  if mode == "submit" then
    for line in io.lines(args[2]) do table.insert(wizard_cookies, line) end
    csrf_cookie, csrf_token = args[3], args[4]
    return
  end
  if mode == "languages" then
    languages = accept_languages(tonumber(args[2]))
    return
  end
  local rest = 2
  if mode == "verify" then
    first = tonumber(args[2] or "0") + thread_number * 100000
    return
  end
  if mode == "poll" then
    interval_ms = 1000 * tonumber(args[3]) / tonumber(args[2])
    delay = paced_delay
    return
  end
  if mode == "paced" then
    -- Each thread books at rate / threads a second, on a fixed schedule.
    interval_ms = 1000 * tonumber(args[3]) / tonumber(args[2])
    delay = paced_delay
    mode, rest = "book", 4
  end
  first = tonumber(args[rest] or "0")
  for i = rest + 1, #args do table.insert(slots, args[i]) end
  -- Each thread gets its own block of a million people.
  first = first + thread_number * 1000000
end

-- wrk.format takes its headers instead of wrk's own (the -H ones), so each request starts from
-- a copy of those: the bench's Authorization header among them.
local function with_headers(extra)
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  for name, value in pairs(extra) do headers[name] = value end
  return headers
end

local function submit()
  -- The two threads take alternate lines, so no two requests carry the same person.
  local line = wizard_cookies[(thread_number + sent * 2) % #wizard_cookies + 1]
  sent = sent + 1
  return wrk.format("POST", nil, with_headers({
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=" .. csrf_cookie .. "; " .. line,
  }), "csrfmiddlewaretoken=" .. csrf_token)
end

-- A valid MyKad for person n, the same as devstack/people.py gives: born 10,000 people a day from
-- 1 January 1950, place code 14. Unique for n below 1.8 x 10^8, when birthdays pass 1999.
local function mykad(n)
  local day = math.floor(n / 10000) % 18000
  local born = os.time({year = 1950, month = 1, day = 1, hour = 12}) + day * 86400
  return os.date("!%y%m%d", born) .. "14" .. string.format("%04d", n % 10000)
end

-- People as Malaysia has them, not tidy English: names in Malay, Chinese and Tamil (some as
-- long as the field takes), each booking in the language it reads, one in ten with the longest
-- e-mail accepted. Ten people: five read Malay, three Chinese, one Tamil, one English.
local PEOPLE = {
  {"ms", "Nur Aisyah binti Ahmad"},
  {"zh-hans", "陈美玲"},
  {"ms", "Muhammad Hafiz bin Che Abdullah"},
  {"ta", "முத்துலட்சுமி சுப்பிரமணியம்"},
  {"zh-hans", "林志强 Lim Chee Keong"},
  {"ms", "Nik Nurul 'Ain binti Nik Abdul Rahman"},
  {"en", "Joseph Anak Jimbun"},
  {"zh-hans", string.rep("黄", 100)},
  {"ms", "Wan Ahmad Faizal bin Wan Ismail" .. string.rep(" bin Wan Ismail", 4)},
  {"ms", "Siti Nurhaliza binti Tarudin"},
}
local LONGEST_EMAIL = string.rep("a", 64) .. "@" .. string.rep("b", 63) .. "." ..
  string.rep("b", 63) .. "." .. string.rep("b", 58) .. ".my"

local function book()
  sent = sent + 1
  local n = first + sent
  local slot = slots[(sent % #slots) + 1]
  local location, date = slot:match("^(.-)|(.*)$")
  local person = PEOPLE[n % #PEOPLE + 1]
  local email = (n % 10 == 3) and ('"' .. LONGEST_EMAIL .. '"') or "null"
  local body = string.format(
    -- Every booking from the bench's one verified phone (bench/stack.py BENCH_PHONE).
    '{"id_type":"mykad","id_number":"%s","name":"%s","phone":"+60123456789",' ..
    '"email":%s,"location":"%s","date":"%s"}',
    mykad(n), person[2], email, location, date)
  return wrk.format("POST", nil, with_headers({
    ["Content-Type"] = "application/json", ["Accept-Language"] = person[1],
  }), body)
end

-- A code for a new phone each time: +60179 and six digits, each thread from its own block.
local function verify()
  sent = sent + 1
  local body = string.format('{"phone":"+60179%06d"}', (first + sent) % 1000000)
  return wrk.format("POST", nil, with_headers({["Content-Type"] = "application/json"}), body)
end

function request()
  if mode == "submit" then return submit() end
  if mode == "book" then return book() end
  if mode == "verify" then return verify() end
  if mode == "post" then return wrk.format("POST", nil, with_headers({}), "") end
  if mode == "languages" then
    sent = sent + 1
    local language = languages[sent % #languages + 1]
    return wrk.format(nil, nil, with_headers({["Accept-Language"] = language}))
  end
  return wrk.format(nil)
end

function response(status, headers, body)
  responses[status] = (responses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("responses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do io.write(string.format("STATUS %d %d\n", status, count)) end
  io.write(string.format("LATENCY %d %d %d\n", latency:percentile(50), latency:percentile(99), latency.max))
  local errors = summary.errors
  io.write(string.format("TOTAL %d %d %d %d\n", summary.requests, summary.duration,
    errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
