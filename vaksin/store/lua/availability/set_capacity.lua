-- Sets one slot's capacity for one dose, keeping its booked count: available = capacity -
-- booked. A capacity below the places already booked is refused, since those bookings stand.
--
-- KEYS[1] capacity hash (first or second doses)   KEYS[2] its booked hash   KEYS[3] centres hash
-- ARGV[1] slot field "<centre>|<date>"   ARGV[2] new capacity   ARGV[3] centre id
-- ARGV[4] 'at_least': only ever raise it (a second-dose allocation made automatically for a
-- first dose, which leaves an operator's larger figure as it is)
--
-- Returns {"ok", previous capacity or -1, booked}, {"below_booked", booked} or {"unknown_centre"}.

local slot, capacity, centre = ARGV[1], tonumber(ARGV[2]), ARGV[3]
-- The same bound as availability.services.MAX_CAPACITY, for any caller that skips it.
if not capacity or capacity < 0 or capacity > 1000000 or capacity % 1 ~= 0 then
  error('capacity must be a whole number from 0 to 1000000')
end
if redis.call('HEXISTS', KEYS[3], centre) == 0 then return {'unknown_centre'} end
local booked = tonumber(redis.call('HGET', KEYS[2], slot) or '0')
local previous = tonumber(redis.call('HGET', KEYS[1], slot) or '-1')
if ARGV[4] == 'at_least' then capacity = math.max(capacity, previous, booked) end
if capacity < booked then return {'below_booked', booked} end

redis.call('HSET', KEYS[1], slot, capacity)
return {'ok', previous, booked}
