-- uses: lib/arrival lib/second_dose
-- Books one person into one slot for one verified phone, atomically. Every check runs before
-- the first write, because Redis has no rollback: an error after a write would leave half a
-- booking. Every key is read before it is written, so a key of the wrong type fails the script
-- at its first read, before any write.
--
-- KEYS[1] capacity hash     KEYS[2] booked hash      KEYS[3] person bucket hash
-- KEYS[4] bookings stream   KEYS[5] centres hash     KEYS[6] rate key per phone ('' = none)
-- KEYS[7] rate key per person and phone ('' = none) KEYS[8] idempotency key ('' = none)
-- KEYS[9] phone bucket hash (active bookings per phone)
-- KEYS[10] operators' counters hash ('' = not counted)  KEYS[11] this moment's series bucket ('' = none)
-- KEYS[12] the waiting room's state ('' = no waiting room)  KEYS[13] its admission steps
-- KEYS[14] its used passes  KEYS[15] the phone's ticket bucket (see queue.lua)
-- KEYS[16] second-dose capacity hash   KEYS[17] second-dose booked hash
-- ARGV[16] n, how many older person keys are still in use (PERSON_KEY_SECRET_FALLBACKS)
-- ARGV[17] seconds a series bucket is kept  ARGV[18] the phone's ticket field
-- ARGV[19] a pass's life, ms   ARGV[20] now, ms, for the pass ('' = Redis's clock; tests)
-- ARGV[21] the second dose's dates, earliest first, comma-separated ('' = one dose only)
-- KEYS[18...17+n] the person's buckets under them, KEYS[18+n...] the phone's, and
-- ARGV[22...21+n], ARGV[22+n...] their fields
-- ARGV[1] slot field "<centre>|<date>"   ARGV[2] person field   ARGV[3] phone rate limit
-- ARGV[4] person limit   ARGV[5] idempotency fingerprint   ARGV[6] phone field
-- ARGV[7] bookings allowed per phone (0 = no limit)
-- ARGV[8..15] id_type, id_number, name, phone, email, location, date, lang
--
-- The order of the checks is what keeps one person's answers from another's phone: refusals
-- that do not depend on the person (unknown slot, sold out, the phone's limit) come before the
-- person is looked at, and a person's booking is shown ("repeat") only to the phone it was
-- booked with.
--
-- Two doses are one booking: the first-dose place and a second-dose place at the same centre on
-- the earliest of ARGV[21]'s dates with one free, both taken here or neither. A date whose
-- first dose has no second left in its range is sold out, whatever its first-dose places.
--
-- Returns {outcome, ...}:
--   {"booked", number, window, second date, second window} (the second's '' for one dose)
--   {"repeat", number, window, second date, second window}   {"already_registered"}
--   {"sold_out"}   {"unknown_slot"}   {"phone_limit"}   {"rate_limited", seconds}
--   {"idempotency_conflict"}   {"not_admitted", position or ''}

local capacity_key, booked_key, bucket_key, stream_key, centres_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local phone_rate_key, person_key, idempotency_key, phone_key = KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local slot, person, fingerprint, phone_field = ARGV[1], ARGV[2], ARGV[5], ARGV[6]
local limits = {[phone_rate_key] = tonumber(ARGV[3]), [person_key] = tonumber(ARGV[4])}
local phone_limit = tonumber(ARGV[7])
local older = tonumber(ARGV[16])
local phone, location = ARGV[11], ARGV[13]
local metrics_key, series_key, series_ttl = KEYS[10], KEYS[11], tonumber(ARGV[17])
local queue_key, steps_key, used_key, ticket_key = KEYS[12], KEYS[13], KEYS[14], KEYS[15]
local ticket_field, pass_life = ARGV[18], tonumber(ARGV[19])
local capacity2_key, booked2_key, second_dates = KEYS[16], KEYS[17], ARGV[21]
-- KEYS[i] of an older name holds the field ARGV[i + FIELD_OFFSET].
local FIELD_OFFSET, FIRST_OLDER = 4, 18

local function attempts(key)
  if key == '' then return 0 end
  return tonumber(redis.call('GET', key) or '0') or error('corrupt counter ' .. key)
end

-- The arrival window spreads a slot's places evenly over the centre's opening hours.
local arrival_window = arrival()

-- The booking this person holds, as {number, fields}, or nil: under the current person key
-- or any older one still in use after a rotation (PERSON_KEY_SECRET_FALLBACKS).
local function held_booking()
  local number = redis.call('HGET', bucket_key, person)
  for i = FIRST_OLDER, FIRST_OLDER - 1 + older do
    if number then break end
    number = redis.call('HGET', KEYS[i], ARGV[i + FIELD_OFFSET])
  end
  if not number then return nil end
  local entry = redis.call('XRANGE', stream_key, number .. '-0', number .. '-0')[1]
  -- No entry: its personal data was purged after its date (purge.lua). The person still holds
  -- it, so they are already registered; the invariant checks tell a purge from a lost entry.
  if not entry then return {number, {}} end
  local fields = {}
  for i = 1, #entry[2], 2 do fields[entry[2][i]] = entry[2][i + 1] end
  return {number, fields}
end

-- With the waiting room on: the position of this phone's ticket when its pass is valid now
-- (admitted, and within its time), else false and the position ('' when not known).
-- The pass is the ticket's record and the admission steps themselves, so nothing a client
-- sends can stand in for it.
local function pass()
  if queue_key == '' then return true end
  local record = redis.call('HGET', ticket_key, ticket_field)
  local position = record and tonumber(string.match(record, ':(%d+)$') or '')
  if not position then return false, '' end
  if position > tonumber(redis.call('HGET', queue_key, 'through') or '0') then
    return false, position
  end
  local since = redis.call('ZRANGEBYSCORE', steps_key, position, '+inf', 'LIMIT', 0, 1)[1]
  local now = tonumber(ARGV[20])
  if not now then
    local clock = redis.call('TIME')
    now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
  end
  if not since or now >= tonumber(since) + pass_life then return false, position end
  return position
end

local earliest_second = second_dose()

-- The second dose: {date, its places booked, its capacity, its slot field} of the earliest date
-- offered with a place left, or nil.
local function second_place()
  local date, booked2, capacity2, slot2 =
    earliest_second(capacity2_key, booked2_key, location, second_dates)
  return date and {date, booked2, capacity2, slot2}
end

-- Every read and check; returns the reply, plus the new booking's details when it may be
-- written (the waiting-room position used, the second dose).
local function decide()
  for _, key in ipairs({phone_rate_key, person_key}) do
    if key ~= '' and limits[key] > 0 and attempts(key) >= limits[key] then
      return {'rate_limited', math.max(redis.call('TTL', key), 1)}
    end
  end
  if idempotency_key ~= '' then
    local seen = redis.call('GET', idempotency_key)
    if seen and seen ~= fingerprint then return {'idempotency_conflict'} end
  end

  local capacity = redis.call('HGET', capacity_key, slot)
  local centre = redis.call('HGET', centres_key, location)
  if not capacity or not centre then return {'unknown_slot'} end
  capacity = tonumber(capacity)
  local booked = tonumber(redis.call('HGET', booked_key, slot) or '0')
  if not capacity or not booked then error('corrupt counters for ' .. slot) end

  local held = held_booking()
  if held and held[2]['phone'] == phone and held[2]['location'] .. '|' .. held[2]['date'] == slot then
    return {'repeat', held[1], held[2]['window'], held[2]['date2'] or '', held[2]['window2'] or ''}
  end
  local admitted, position = pass()
  if not admitted then return {'not_admitted', position} end
  if booked >= capacity then return {'sold_out'} end
  local second = nil
  if second_dates ~= '' then
    second = second_place()
    if not second then return {'sold_out'} end
  end
  -- The phone's limit before the person: a phone at its limit learns nothing of anyone it asks
  -- for. Counted under every key in use: a rotation does not give a phone its places again.
  local on_phone = tonumber(redis.call('HGET', phone_key, phone_field) or '0')
  for i = FIRST_OLDER + older, #KEYS do
    on_phone = on_phone + tonumber(redis.call('HGET', KEYS[i], ARGV[i + FIELD_OFFSET]) or '0')
  end
  if phone_limit > 0 and on_phone >= phone_limit then return {'phone_limit'} end
  if held then return {'already_registered'} end

  -- The booking number continues the stream's own sequence, so it needs no counter of its own.
  local last = redis.call('XREVRANGE', stream_key, '+', '-', 'COUNT', 1)[1]
  local number = last and tonumber(string.match(last[1], '^(%d+)')) + 1 or 1
  local hours = cjson.decode(centre)
  local reply = {'booked', tostring(number), arrival_window(hours, booked, capacity), '', ''}
  if second then
    reply[4], reply[5] = second[1], arrival_window(hours, second[2], second[3])
  end
  return reply, admitted, second
end

local reply, position, second = decide()

-- Every outcome is counted for operators in the same step that decides it: exact totals shared
-- by every web node, and a history in short buckets, for two HINCRBYs. They are the first
-- writes, so a counter key of the wrong type fails the script before the booking is written.
if metrics_key ~= '' then redis.call('HINCRBY', metrics_key, 'booking:' .. reply[1], 1) end
if series_key ~= '' and redis.call('HINCRBY', series_key, 'booking:' .. reply[1], 1) == 1 then
  redis.call('EXPIRE', series_key, series_ttl)
end
if reply[1] == 'rate_limited' then return reply end

-- Writes, only after every check above has passed.
for _, key in ipairs({phone_rate_key, person_key}) do
  if key ~= '' and redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, 60) end
end
if reply[1] == 'booked' then
  local number, window = reply[2], reply[3]
  redis.call('HINCRBY', booked_key, slot, 1)
  local entry = {'kind', 'booked',
    'id_type', ARGV[8], 'id_number', ARGV[9], 'name', ARGV[10], 'phone', phone, 'email', ARGV[12],
    'location', location, 'date', ARGV[14], 'window', window, 'lang', ARGV[15],
    'at', redis.call('TIME')[1]}
  if second then
    redis.call('HINCRBY', booked2_key, second[4], 1)
    for _, value in ipairs({'date2', reply[4], 'window2', reply[5]}) do entry[#entry + 1] = value end
  end
  redis.call('XADD', stream_key, number .. '-0', unpack(entry))
  redis.call('HSET', bucket_key, person, number)
  redis.call('HINCRBY', phone_key, phone_field, 1)
  -- A used pass: admission does not count it as lapsed (queue.lua).
  if queue_key ~= '' then redis.call('SETBIT', used_key, position, 1) end
  if idempotency_key ~= '' then redis.call('SET', idempotency_key, fingerprint, 'EX', 86400) end
end
return reply
