-- uses: lib/holder lib/doses_given
-- Records a dose given at the centre, in one step: the booking must still be held by its
-- person, a second dose must follow a first, and each is recorded once. A first dose given
-- keeps the second dose's place as it is. Nothing is added to the booking log (the audit
-- trail in PostgreSQL says who recorded it); what the other dose scripts need is kept in the
-- doses records: booking number -> "1" (first dose given) or "2" (both given), read back along
-- the bookings it replaced (lib/doses_given: a move keeps the doses given).
--
-- KEYS[1] bookings stream   KEYS[2] the booking's doses hash (keys.doses_key)
-- KEYS[3...] the person's buckets (the current person key's, then the fallbacks')
-- ARGV[1] booking number   ARGV[2] the dose given, '1' or '2'
-- ARGV[3] the doses hashes' prefix   ARGV[4] bookings to a hash (keys.DOSES_BUCKET_SIZE)
-- ARGV[5...] the person's fields
--
-- Returns {"recorded"}, {"already"} (this dose is recorded already), {"first_not_given"},
-- {"no_second"} (a booking of one dose) or {"not_found"} (not held, or purged).

local stream_key = KEYS[1]
local number, dose, prefix, size = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local FIELD_OFFSET = 2

if dose ~= '1' and dose ~= '2' then error('dose must be 1 or 2, not ' .. tostring(dose)) end
local found = holder(KEYS, ARGV)
if not found.person(3, #KEYS, FIELD_OFFSET, number) then return {'not_found'} end
local held = found.entry(stream_key, number)
if not held then return {'not_found'} end
local doses = doses_given()
local given = doses.given(stream_key, prefix, size, number, held)
if dose == '2' and not held['date2'] then return {'no_second'} end
if given == '2' or given == dose then return {'already'} end
if dose == '2' and given ~= '1' then return {'first_not_given'} end

local key, field = doses.place(prefix, size, number)
if key ~= KEYS[2] then error('KEYS[2] is not booking ' .. number .. "'s doses hash") end
redis.call('HSET', key, field, dose)
return {'recorded'}
