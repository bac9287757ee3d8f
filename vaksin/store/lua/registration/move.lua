-- uses: waitlist/waitlist lib/arrival lib/holder
-- Moves one booking to another centre or date, in one step: the new place is taken and the
-- old one released, or nothing changes. Every check before the first write. The log gets a
-- 'cancelled' entry for the old booking (moved_to the new one: no SMS of its own) and a
-- 'booked' entry for the new one (moved_from the old one), whose confirmation says it changed.
-- The person keeps one booking and the phone its count; the old place goes to the next waiter
-- of its slot, if any, in the same step.
--
-- KEYS[1] capacity hash   KEYS[2] booked hash   KEYS[3] bookings stream   KEYS[4] centres hash
-- KEYS[5...11] the waiting-list keys of the old slot (keys.waitlist_keys)
-- KEYS[12...] the person's buckets (the current person key's, then the fallbacks')
-- ARGV[1] booking number   ARGV[2] the phone it was booked with   ARGV[3] new centre id
-- ARGV[4] new date   ARGV[5] seconds an offer is held   ARGV[6...] the person's fields
--
-- Returns {"moved", new number, arrival window} or {"not_found"} (not held, or purged),
-- {"unknown_slot"},
-- {"same_slot"}, {"sold_out"}.

local W = waitlist()
local capacity_key, booked_key, stream_key, centres_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local number, phone, location, date = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local FIRST_PERSON, FIELD_OFFSET = 12, -6

local arrival_window = arrival()

local found = holder(KEYS, ARGV)
local bucket, person = found.person(FIRST_PERSON, #KEYS, FIELD_OFFSET, number)
if not bucket then return {'not_found'} end
-- No entry: its personal data was purged after its date (purge.lua); it is not moved.
local held = found.entry(stream_key, number)
if not held then return {'not_found'} end
if held['phone'] ~= phone then return {'not_found'} end

local old_slot, new_slot = held['location'] .. '|' .. held['date'], location .. '|' .. date
local capacity = redis.call('HGET', capacity_key, new_slot)
local centre = redis.call('HGET', centres_key, location)
if not capacity or not centre then return {'unknown_slot'} end
if old_slot == new_slot then return {'same_slot'} end
capacity = tonumber(capacity)
local booked = tonumber(redis.call('HGET', booked_key, new_slot) or '0')
local old_booked = tonumber(redis.call('HGET', booked_key, old_slot) or '0')
if not capacity or not booked or not old_booked then error('corrupt counters') end
if old_booked < 1 then error('booked count of ' .. old_slot .. ' is already 0') end
if booked >= capacity then return {'sold_out'} end
local window = arrival_window(cjson.decode(centre), booked, capacity)
local cancelled = W.next_number(stream_key)
local moved = cancelled + 1
local at = redis.call('TIME')[1]

redis.call('HINCRBY', booked_key, new_slot, 1)
redis.call('HINCRBY', booked_key, old_slot, -1)
redis.call('XADD', stream_key, cancelled .. '-0', 'kind', 'cancelled', 'booking', number,
  'by', 'person', 'reason', 'moved', 'moved_to', moved, 'at', at,
  'phone', phone, 'lang', held['lang'] or 'en', 'location', held['location'], 'date', held['date'])
redis.call('XADD', stream_key, moved .. '-0', 'kind', 'booked',
  'id_type', held['id_type'], 'id_number', held['id_number'], 'name', held['name'],
  'phone', phone, 'email', held['email'] or '', 'location', location, 'date', date,
  'window', window, 'lang', held['lang'] or 'en', 'at', at, 'moved_from', number)
redis.call('HSET', bucket, person, moved)
W.offer_free(W.slot_keys(KEYS, 5, capacity_key, booked_key, stream_key), old_slot,
  tonumber(at), tonumber(ARGV[5]))
return {'moved', tostring(moved), window}
