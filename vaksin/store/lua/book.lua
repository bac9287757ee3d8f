-- Books one person into one slot, atomically. Every check runs before the first write,
-- because Redis has no rollback: an error after a write would leave half a booking.
--
-- KEYS[1] capacity hash     KEYS[2] booked hash      KEYS[3] person bucket hash
-- KEYS[4] bookings stream   KEYS[5] centres hash     KEYS[6] rate key per address ('' = none)
-- KEYS[7] rate key per person ('' = none)            KEYS[8] idempotency key ('' = none)
-- ARGV[1] slot field "<centre>|<date>"   ARGV[2] person field   ARGV[3] address limit
-- ARGV[4] person limit                   ARGV[5] idempotency fingerprint
-- ARGV[6..13] id_type, id_number, name, phone, email, location, date, lang
--
-- Returns {outcome, ...}:
--   {"booked", number, window, at}   {"repeat", number, window, at}   {"already_registered"}
--   {"sold_out"}   {"unknown_slot"}   {"rate_limited", seconds}   {"idempotency_conflict"}

local capacity_key, booked_key, bucket_key, stream_key, centres_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local address_key, person_key, idempotency_key = KEYS[6], KEYS[7], KEYS[8]
local slot, person, fingerprint = ARGV[1], ARGV[2], ARGV[5]
local limits = {[address_key] = tonumber(ARGV[3]), [person_key] = tonumber(ARGV[4])}
local location = ARGV[11]

local function attempts(key)
  if key == '' then return 0 end
  return tonumber(redis.call('GET', key) or '0') or error('corrupt counter ' .. key)
end

local function minutes(hhmm) return tonumber(hhmm:sub(1, 2)) * 60 + tonumber(hhmm:sub(4, 5)) end

-- The arrival window spreads a slot's places evenly over the centre's opening hours.
local function arrival_window(hours, position, capacity)
  local opens, closes, width = minutes(hours['opens']), minutes(hours['closes']), 30
  local windows = math.max(math.floor((closes - opens) / width), 1)
  local start = opens + math.floor(position * windows / capacity) * width
  local finish = start + width
  return string.format('%02d:%02d-%02d:%02d', math.floor(start / 60), start % 60,
                       math.floor(finish / 60), finish % 60)
end

-- Every read and check; returns the reply, plus the new booking's details when it may be written.
local function decide()
  for _, pair in ipairs({{capacity_key, 'hash'}, {booked_key, 'hash'}, {bucket_key, 'hash'},
                         {stream_key, 'stream'}, {centres_key, 'hash'}}) do
    local found = redis.call('TYPE', pair[1])['ok']
    if found ~= 'none' and found ~= pair[2] then error('WRONGTYPE ' .. pair[1] .. ' is a ' .. found) end
  end
  for _, key in ipairs({address_key, person_key}) do
    if key ~= '' and limits[key] > 0 and attempts(key) >= limits[key] then
      return {'rate_limited', math.max(redis.call('TTL', key), 1)}
    end
  end
  if idempotency_key ~= '' then
    local seen = redis.call('GET', idempotency_key)
    if seen and seen ~= fingerprint then return {'idempotency_conflict'} end
  end

  local existing = redis.call('HGET', bucket_key, person)
  if existing then
    local entry = redis.call('XRANGE', stream_key, existing .. '-0', existing .. '-0')[1]
    if not entry then error('person ' .. person .. ' points at missing booking ' .. existing) end
    local held = {}
    for i = 1, #entry[2], 2 do held[entry[2][i]] = entry[2][i + 1] end
    if held['location'] .. '|' .. held['date'] == slot then
      return {'repeat', existing, held['window'], held['at']}
    end
    return {'already_registered'}
  end

  local capacity = redis.call('HGET', capacity_key, slot)
  local centre = redis.call('HGET', centres_key, location)
  if not capacity or not centre then return {'unknown_slot'} end
  capacity = tonumber(capacity)
  local booked = tonumber(redis.call('HGET', booked_key, slot) or '0')
  if not capacity or not booked then error('corrupt counters for ' .. slot) end
  if booked >= capacity then return {'sold_out'} end

  -- The booking number continues the stream's own sequence, so it needs no counter of its own.
  local last = redis.call('XREVRANGE', stream_key, '+', '-', 'COUNT', 1)[1]
  local number = last and tonumber(string.match(last[1], '^(%d+)')) + 1 or 1
  local window = arrival_window(cjson.decode(centre), booked, capacity)
  return {'booked', tostring(number), window, redis.call('TIME')[1]}
end

local reply = decide()
if reply[1] == 'rate_limited' then return reply end

-- Writes, only after every check above has passed.
for _, key in ipairs({address_key, person_key}) do
  if key ~= '' and redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, 60) end
end
if reply[1] == 'booked' then
  local number, window, at = reply[2], reply[3], reply[4]
  redis.call('HINCRBY', booked_key, slot, 1)
  redis.call('XADD', stream_key, number .. '-0', 'kind', 'booked',
    'id_type', ARGV[6], 'id_number', ARGV[7], 'name', ARGV[8], 'phone', ARGV[9], 'email', ARGV[10],
    'location', location, 'date', ARGV[12], 'window', window, 'lang', ARGV[13], 'at', at)
  redis.call('HSET', bucket_key, person, number)
  if idempotency_key ~= '' then redis.call('SET', idempotency_key, fingerprint, 'EX', 86400) end
end
return reply
