-- Purges the personal data of bookings, of waiting-list offers (the waiter's phone) and of
-- cancellations, a move's included (the phone the confirmation went to): each
-- entry is deleted and a compact record without personal data is kept in its place (see
-- vaksin/store/purged.py). Checks come before writes, so two purges at once, or a re-run,
-- purge each entry once and count it once.
--
-- KEYS[1] bookings stream   KEYS[2] purge state hash ("bookings", "offers", "cancellations":
-- how many purged)
-- KEYS[2+i] the purged bucket hash of the i-th entry
-- ARGV[3i-2] its number   ARGV[3i-1] its field in that bucket   ARGV[3i] its compact record
--
-- An entry is skipped when it is gone (purged already) or is not a booking, an offer or a
-- cancellation,
-- and when it is the log's last entry: the next booking's number is the last entry's plus one,
-- so the last entry must stay for numbers never to be given twice.
--
-- Returns {purged}: how many of these entries this call purged.

local stream, state = KEYS[1], KEYS[2]
local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)[1]
local last_number = last and tonumber(string.match(last[1], '^(%d+)')) or 0
redis.call('HGET', state, 'bookings')

local chosen = {}
for i = 3, #KEYS do
  local j = 3 * (i - 2)
  local number, field, record = ARGV[j - 2], ARGV[j - 1], ARGV[j]
  if tonumber(number) < last_number and redis.call('HEXISTS', KEYS[i], field) == 0 then
    local entry = redis.call('XRANGE', stream, number .. '-0', number .. '-0')[1]
    local kind
    if entry then
      for k = 1, #entry[2], 2 do if entry[2][k] == 'kind' then kind = entry[2][k + 1] end end
    end
    if kind == 'booked' or kind == 'offered' or kind == 'cancelled' then
      chosen[#chosen + 1] = {KEYS[i], field, number, record, kind}
    end
  end
end

local counted = {booked = 0, offered = 0, cancelled = 0}
for _, item in ipairs(chosen) do
  redis.call('HSET', item[1], item[2], item[4])
  redis.call('XDEL', stream, item[3] .. '-0')
  counted[item[5]] = counted[item[5]] + 1
end
if counted.booked > 0 then redis.call('HINCRBY', state, 'bookings', counted.booked) end
if counted.offered > 0 then redis.call('HINCRBY', state, 'offers', counted.offered) end
if counted.cancelled > 0 then redis.call('HINCRBY', state, 'cancellations', counted.cancelled) end
return {#chosen}
