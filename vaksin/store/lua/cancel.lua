-- Cancels one booking: returns its place to the slot, frees the person to book again and gives
-- the phone back one of its places. The booking stays in the stream (the log the export and the
-- audit read); a 'cancelled' entry follows it.
--
-- KEYS[1] person bucket hash   KEYS[2] booked hash   KEYS[3] bookings stream
-- KEYS[4] phone bucket hash
-- ARGV[1] person field   ARGV[2] booking number   ARGV[3] who cancels   ARGV[4] why
-- ARGV[5] phone field
--
-- Returns {"cancelled", number of the cancellation entry} or {"not_found"}.

local person, number, phone_field = ARGV[1], ARGV[2], ARGV[5]
if redis.call('HGET', KEYS[1], person) ~= number then return {'not_found'} end
local entry = redis.call('XRANGE', KEYS[3], number .. '-0', number .. '-0')[1]
if not entry then error('person ' .. person .. ' points at missing booking ' .. number) end
local held = {}
for i = 1, #entry[2], 2 do held[entry[2][i]] = entry[2][i + 1] end
local slot = held['location'] .. '|' .. held['date']
local booked = tonumber(redis.call('HGET', KEYS[2], slot) or '0')
if booked < 1 then error('booked count of ' .. slot .. ' is already 0') end
local on_phone = tonumber(redis.call('HGET', KEYS[4], phone_field) or '0')
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)[1]
local next_number = tonumber(string.match(last[1], '^(%d+)')) + 1

redis.call('HDEL', KEYS[1], person)
redis.call('HINCRBY', KEYS[2], slot, -1)
-- A phone with no booking left takes no memory.
if on_phone > 1 then redis.call('HINCRBY', KEYS[4], phone_field, -1) else redis.call('HDEL', KEYS[4], phone_field) end
redis.call('XADD', KEYS[3], next_number .. '-0', 'kind', 'cancelled', 'booking', number,
  'by', ARGV[3], 'reason', ARGV[4], 'at', redis.call('TIME')[1])
return {'cancelled', tostring(next_number)}
