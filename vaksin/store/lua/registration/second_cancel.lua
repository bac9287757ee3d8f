-- uses: lib/holder lib/doses_given
-- Lets go of a booking's second-dose place once its first dose was given (the person got the
-- second elsewhere, or did not come for it), in one step; the person keeps their first dose.
--
-- A booking's log entry never changes, and cancel.lua and move.lua give back the second-dose
-- place its entry names; so, as a move does, the booking is replaced: a 'cancelled' entry for
-- it (reason ARGV[3], 'dose' '2', 'moved_to' the new one, and its 'date2') and a 'booked' entry
-- with the same person, phone, place and window and no second dose ('moved_from' the old one,
-- 'released2' the date let go: its SMS says that, not a change).
-- The person's name points at the new one, the doses record carries the first dose over, and
-- the second-dose slot's count goes down by one. The phone keeps its count (one booking).
--
-- KEYS[1] bookings stream   KEYS[2] second-dose booked hash   KEYS[3] the booking's doses
-- hash (keys.doses_key; the new booking's is worked out here, its number being decided here:
-- a key of the same hash tag)   KEYS[4...] the person's buckets (the current person key's,
-- then the fallbacks')
-- ARGV[1] booking number   ARGV[2] who ('staff:<username>' or 'person')   ARGV[3] why
-- ARGV[4] the doses hashes' prefix   ARGV[5] bookings to a hash (keys.DOSES_BUCKET_SIZE)
-- ARGV[6...] the person's fields
--
-- Returns {"cancelled", number of the booking that replaces it} or {"not_found"} (not held,
-- or purged), {"no_second"} (one dose only), {"first_not_given"}, {"second_given"}.

local stream_key, booked2_key = KEYS[1], KEYS[2]
local number, by, reason, prefix, size = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local FIELD_OFFSET = 2
local doses = doses_given()

local found = holder(KEYS, ARGV)
local bucket, person = found.person(4, #KEYS, FIELD_OFFSET, number)
if not bucket then return {'not_found'} end
local held = found.entry(stream_key, number)
if not held then return {'not_found'} end
if not held['date2'] then return {'no_second'} end
local given = doses.given(stream_key, prefix, size, number, held)
if given == '2' then return {'second_given'} end
if given ~= '1' then return {'first_not_given'} end
local second = held['location'] .. '|' .. held['date2']
if tonumber(redis.call('HGET', booked2_key, second) or '0') < 1 then
  error('second-dose booked count of ' .. second .. ' is already 0')
end
local last = redis.call('XREVRANGE', stream_key, '+', '-', 'COUNT', 1)[1]
local cancelled = tonumber(string.match(last[1], '^(%d+)')) + 1
local replaced = cancelled + 1
local at = redis.call('TIME')[1]
local old_key, old_field = doses.place(prefix, size, number)
if old_key ~= KEYS[3] then error('KEYS[3] is not booking ' .. number .. "'s doses hash") end
local new_key, new_field = doses.place(prefix, size, replaced)

redis.call('HINCRBY', booked2_key, second, -1)
redis.call('XADD', stream_key, cancelled .. '-0', 'kind', 'cancelled', 'booking', number,
  'by', by, 'reason', reason, 'dose', '2', 'moved_to', replaced, 'at', at,
  'phone', held['phone'], 'lang', held['lang'] or 'en', 'location', held['location'],
  'date', held['date'], 'date2', held['date2'])
redis.call('XADD', stream_key, replaced .. '-0', 'kind', 'booked',
  'id_type', held['id_type'], 'id_number', held['id_number'], 'name', held['name'],
  'phone', held['phone'], 'email', held['email'] or '', 'location', held['location'],
  'date', held['date'], 'window', held['window'], 'lang', held['lang'] or 'en', 'at', at,
  'moved_from', number, 'released2', held['date2'])
redis.call('HSET', bucket, person, replaced)
redis.call('HSET', new_key, new_field, '1')
redis.call('HDEL', old_key, old_field)
return {'cancelled', tostring(replaced)}
