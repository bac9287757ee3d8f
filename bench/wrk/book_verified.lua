-- The booking API as an app calls it: a new person each request, all from one verified phone
-- whose token comes in wrk's -H "Authorization: Bearer ..." header, so no body names a phone.
-- Threads, counting answers and the summary are load.lua's. Used by bench/metrics_cost.py.
--   wrk ... -H "Authorization: Bearer <token>" -s bench/wrk/book_verified.lua URL -- <first> <slot> [...]
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "load.lua")

local first, slots, sent, headers = 0, {}, 0, {}

function init(args)
  first = tonumber(args[1]) + thread_number * 1000000
  for i = 2, #args do table.insert(slots, args[i]) end
  -- wrk.format replaces wrk.headers (the -H ones) with the headers it is given: keep both.
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/json"
end

-- Person n's MyKad, as load.lua and tests/people.py make it.
local function mykad(n)
  local born = os.time({year = 1950, month = 1, day = 1, hour = 12}) + (math.floor(n / 10000) % 18000) * 86400
  return os.date("!%y%m%d", born) .. "14" .. string.format("%04d", n % 10000)
end

function request()
  sent = sent + 1
  local location, date = slots[(sent % #slots) + 1]:match("^(.-)|(.*)$")
  local body = string.format(
    '{"id_type":"mykad","id_number":"%s","name":"Person %d","email":null,"location":"%s","date":"%s"}',
    mykad(first + sent), first + sent, location, date)
  return wrk.format("POST", nil, headers, body)
end
