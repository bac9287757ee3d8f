-- uses: lib/holder lib/doses_given
-- Cancels one booking: returns its place to the slot, frees the person to book again and gives
-- the phone back one of its places. The booking stays in the stream (the log the export and the
-- audit read); a 'cancelled' entry follows it, naming the phone, language, centre and dates, so
-- that the relay can send its SMS from that entry alone. Its second dose goes back with it.
-- A booking whose first dose was given is not cancelled (its place was used; only its second
-- dose can go: registration/second_cancel.lua), which also settles a no-show recorded at the
-- same moment as the dose.
--
-- KEYS[1] booked hash   KEYS[2] bookings stream   KEYS[3] second-dose booked hash
-- ARGV[1] booking number   ARGV[2] who cancels   ARGV[3] why
-- ARGV[4] n, how many person keys are in use (the current one, then PERSON_KEY_SECRET_FALLBACKS)
-- ARGV[5] the doses hashes' prefix   ARGV[6] bookings to a hash (keys.DOSES_BUCKET_SIZE)
-- KEYS[4...3+n] the person's buckets under each, KEYS[4+n...] the phone's buckets
-- ARGV[7...6+n] the person's fields, ARGV[7+n...] the phone's fields
--
-- Returns {"cancelled", number of the cancellation entry} or {"not_found"} (not held, or
-- purged), {"dose_given"}.

local number, versions, FIELD_OFFSET = ARGV[1], tonumber(ARGV[4]), 3
local found = holder(KEYS, ARGV)
local bucket, person = found.person(4, 3 + versions, FIELD_OFFSET, number)
if not bucket then return {'not_found'} end
-- No entry: its personal data was purged after its date (purge.lua), and a booking that far
-- past is not cancelled (its counters stay as they were).
local held = found.entry(KEYS[2], number)
if not held then return {'not_found'} end
if doses_given().given(KEYS[2], ARGV[5], tonumber(ARGV[6]), number, held) then
  return {'dose_given'}
end
local slot = held['location'] .. '|' .. held['date']
local booked = tonumber(redis.call('HGET', KEYS[1], slot) or '0')
if booked < 1 then error('booked count of ' .. slot .. ' is already 0') end
local second = held['date2'] and held['location'] .. '|' .. held['date2']
if second and tonumber(redis.call('HGET', KEYS[3], second) or '0') < 1 then
  error('second-dose booked count of ' .. second .. ' is already 0')
end
-- The phone's place comes back under the first key its count is held under.
local phone_bucket, phone_field, on_phone = found.phone(4 + versions, FIELD_OFFSET)
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
local next_number = tonumber(string.match(last[1], '^(%d+)')) + 1

redis.call('HDEL', bucket, person)
redis.call('HINCRBY', KEYS[1], slot, -1)
if second then redis.call('HINCRBY', KEYS[3], second, -1) end
if phone_bucket then
  -- A phone with no booking left takes no memory.
  if on_phone > 1 then redis.call('HINCRBY', phone_bucket, phone_field, -1) else redis.call('HDEL', phone_bucket, phone_field) end
end
local entry = {'kind', 'cancelled', 'booking', number,
  'by', ARGV[2], 'reason', ARGV[3], 'at', redis.call('TIME')[1],
  'phone', held['phone'], 'lang', held['lang'] or 'en', 'location', held['location'],
  'date', held['date']}
if second then entry[#entry + 1] = 'date2'; entry[#entry + 1] = held['date2'] end
redis.call('XADD', KEYS[2], next_number .. '-0', unpack(entry))
return {'cancelled', tostring(next_number)}
