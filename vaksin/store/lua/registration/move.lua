-- uses: waitlist/waitlist lib/arrival lib/holder lib/doses_given lib/second_dose
-- Moves one booking to another centre or date, in one step: the new place is taken and the
-- old one released, or nothing changes. Every check before the first write. The log gets a
-- 'cancelled' entry for the old booking (moved_to the new one: no SMS of its own) and a
-- 'booked' entry for the new one (moved_from the old one), whose confirmation says it changed.
-- The person keeps one booking and the phone its count; the old place goes to the next waiter
-- of its slot, if any, in the same step.
--
-- The second dose follows the first: it moves to the earliest of ARGV[6]'s dates (the new first
-- dose's range) with a place, its old place counting as free, or the move is refused (sold out).
-- With ARGV[7] = 'second', only the second dose moves, to ARGV[4] (a date of ARGV[6]: the
-- first dose's own range), and the first stays as it is. Once the first dose was given only
-- the second may move, and once both were, nothing does.
--
-- KEYS[1] capacity hash   KEYS[2] booked hash   KEYS[3] bookings stream   KEYS[4] centres hash
-- KEYS[5...11] the waiting-list keys of the old slot (keys.waitlist_keys)
-- KEYS[12] second-dose capacity hash   KEYS[13] second-dose booked hash
-- KEYS[14...] the person's buckets (the current person key's, then the fallbacks')
-- ARGV[1] booking number   ARGV[2] the phone it was booked with   ARGV[3] new centre id
-- ARGV[4] new date   ARGV[5] seconds an offer is held
-- ARGV[6] the second dose's dates, earliest first, comma-separated ('' = one dose only)
-- ARGV[7] 'second' to move the second dose alone, else ''
-- ARGV[8] the doses hashes' prefix   ARGV[9] bookings to a hash   ARGV[10...] the person's fields
--
-- Returns {"moved", new number, arrival window, second date, second window} or {"not_found"}
-- (not held, or purged), {"unknown_slot"}, {"same_slot"}, {"sold_out"}, {"dose_given"}.

local W = waitlist()
local capacity_key, booked_key, stream_key, centres_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local number, phone, location, date = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local capacity2_key, booked2_key, second_dates = KEYS[12], KEYS[13], ARGV[6]
local second_only = ARGV[7] == 'second'
local FIRST_PERSON, FIELD_OFFSET = 14, -4

local arrival_window = arrival()

local found = holder(KEYS, ARGV)
local bucket, person = found.person(FIRST_PERSON, #KEYS, FIELD_OFFSET, number)
if not bucket then return {'not_found'} end
-- No entry: its personal data was purged after its date (purge.lua); it is not moved.
local held = found.entry(stream_key, number)
if not held then return {'not_found'} end
if held['phone'] ~= phone then return {'not_found'} end
local given = doses_given().given(stream_key, ARGV[8], tonumber(ARGV[9]), number, held)
if given == '2' or (given and not second_only) then return {'dose_given'} end

local old_slot = held['location'] .. '|' .. held['date']
local old_second = held['date2'] and held['location'] .. '|' .. held['date2']
local centre = redis.call('HGET', centres_key, held['location'])
if second_only then
  location = held['location']
  if not old_second or not centre then return {'unknown_slot'} end
  if location .. '|' .. date == old_second then return {'same_slot'} end
else
  centre = redis.call('HGET', centres_key, location)
end
local new_slot = location .. '|' .. (second_only and held['date'] or date)
local capacity = redis.call('HGET', capacity_key, new_slot)
if not capacity or not centre then return {'unknown_slot'} end
if old_slot == new_slot and not second_only then return {'same_slot'} end
capacity = tonumber(capacity)
local booked = tonumber(redis.call('HGET', booked_key, new_slot) or '0')
local old_booked = tonumber(redis.call('HGET', booked_key, old_slot) or '0')
if not capacity or not booked or not old_booked then error('corrupt counters') end
if old_booked < 1 then error('booked count of ' .. old_slot .. ' is already 0') end
if not second_only and booked >= capacity then return {'sold_out'} end
local hours = cjson.decode(centre)

-- The second dose's new place: the earliest date offered with one free, its old place counted
-- as free (it is let go in this same step).
local second = nil
if second_dates ~= '' then
  local date2, booked2, capacity2, slot2 = second_dose()(capacity2_key, booked2_key, location,
    second_dates, old_second, second_only and date or nil)
  if not date2 then return {'sold_out'} end
  second = {date2, slot2, arrival_window(hours, booked2, capacity2)}
end

local window = second_only and held['window'] or arrival_window(hours, booked, capacity)
local cancelled = W.next_number(stream_key)
local moved = cancelled + 1
local at = redis.call('TIME')[1]

if not second_only then
  redis.call('HINCRBY', booked_key, new_slot, 1)
  redis.call('HINCRBY', booked_key, old_slot, -1)
end
if old_second then redis.call('HINCRBY', booked2_key, old_second, -1) end
if second then redis.call('HINCRBY', booked2_key, second[2], 1) end
local gone = {'kind', 'cancelled', 'booking', number,
  'by', 'person', 'reason', 'moved', 'moved_to', moved, 'at', at,
  'phone', phone, 'lang', held['lang'] or 'en', 'location', held['location'], 'date', held['date']}
if held['date2'] then gone[#gone + 1] = 'date2'; gone[#gone + 1] = held['date2'] end
redis.call('XADD', stream_key, cancelled .. '-0', unpack(gone))
local entry = {'kind', 'booked',
  'id_type', held['id_type'], 'id_number', held['id_number'], 'name', held['name'],
  'phone', phone, 'email', held['email'] or '', 'location', location,
  'date', second_only and held['date'] or date,
  'window', window, 'lang', held['lang'] or 'en', 'at', at, 'moved_from', number}
if second then
  for _, value in ipairs({'date2', second[1], 'window2', second[3]}) do entry[#entry + 1] = value end
end
redis.call('XADD', stream_key, moved .. '-0', unpack(entry))
redis.call('HSET', bucket, person, moved)
if not second_only then
  W.offer_free(W.slot_keys(KEYS, 5, capacity_key, booked_key, stream_key), old_slot,
    tonumber(at), tonumber(ARGV[5]))
end
return {'moved', tostring(moved), window, second and second[1] or '', second and second[3] or ''}
