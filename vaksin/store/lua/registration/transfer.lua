-- uses: lib/holder
-- Gives a booking to another phone, in one step, after staff have seen the person's MyKad (a
-- dispute: someone booked for this person from a phone of their own). The place, its date and
-- window stay; the log gets a 'cancelled' entry for the old booking (reason 'disputed', so
-- that the phone it was made from is told) and a 'booked' entry for the new one, from the
-- person's own phone and in their own name, whose confirmation goes to that phone. The person
-- keeps one booking; the old phone's count goes down, the new one's up. Every check before the
-- first write.
--
-- KEYS[1] bookings stream   KEYS[2] the new phone's bucket
-- ARGV[1] booking number   ARGV[2] the new phone's field   ARGV[3] the new phone (E.164)
-- ARGV[4] the person's name as they gave it   ARGV[5] language   ARGV[6] who did it (staff)
-- ARGV[7] n, how many keys are in use (the current one, then the fallbacks)
-- KEYS[3...2+n] the person's buckets, KEYS[3+n...] the old phone's buckets
-- ARGV[8...7+n] the person's fields, ARGV[8+n...] the old phone's fields
--
-- Returns {"transferred", new number} or {"not_found"} (not held, or purged).

local stream_key, new_phone_key = KEYS[1], KEYS[2]
local number, new_field, versions = ARGV[1], ARGV[2], tonumber(ARGV[7])
local FIELD_OFFSET = 5

local found = holder(KEYS, ARGV)
local bucket, person = found.person(3, 2 + versions, FIELD_OFFSET, number)
if not bucket then return {'not_found'} end
local held = found.entry(stream_key, number)
if not held then return {'not_found'} end
-- The old phone's place comes back under the first key its count is held under (cancel.lua).
local old_bucket, old_field, on_old = found.phone(3 + versions, FIELD_OFFSET)

local last = redis.call('XREVRANGE', stream_key, '+', '-', 'COUNT', 1)[1]
local cancelled = tonumber(string.match(last[1], '^(%d+)')) + 1
local given = cancelled + 1
local at = redis.call('TIME')[1]

local gone = {'kind', 'cancelled', 'booking', number,
  'by', ARGV[6], 'reason', 'disputed', 'at', at, 'phone', held['phone'],
  'lang', held['lang'] or 'en', 'location', held['location'], 'date', held['date']}
local entry = {'kind', 'booked',
  'id_type', held['id_type'], 'id_number', held['id_number'], 'name', ARGV[4],
  'phone', ARGV[3], 'email', '', 'location', held['location'], 'date', held['date'],
  'window', held['window'], 'lang', ARGV[5], 'at', at}
-- The second dose's place goes with the booking, as the first's does.
if held['date2'] then
  for _, value in ipairs({'date2', held['date2']}) do gone[#gone + 1] = value end
  for _, value in ipairs({'date2', held['date2'], 'window2', held['window2']}) do
    entry[#entry + 1] = value
  end
end
redis.call('XADD', stream_key, cancelled .. '-0', unpack(gone))
redis.call('XADD', stream_key, given .. '-0', unpack(entry))
redis.call('HSET', bucket, person, given)
if old_bucket then
  if on_old > 1 then redis.call('HINCRBY', old_bucket, old_field, -1) else redis.call('HDEL', old_bucket, old_field) end
end
redis.call('HINCRBY', new_phone_key, new_field, 1)
return {'transferred', tostring(given)}
