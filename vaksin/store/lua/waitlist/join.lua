-- Puts a verified phone on one slot's waiting list, for the person it asks to book. Every
-- check before the first write.
--
-- KEYS[1] capacity hash   KEYS[2] booked hash   KEYS[3] centres hash
-- KEYS[4] the person's bucket   KEYS[5...11] the slot's waiting-list keys (keys.waitlist_keys)
-- ARGV[1] slot field   ARGV[2] centre id   ARGV[3] waiter (the phone's name)
-- ARGV[4] what to book (JSON)   ARGV[5] the person's field
--
-- Returns {"waiting", position} (position 0: a place is offered to this phone now),
-- {"unknown_slot"}, {"available"} (a place is free: book it), {"already_registered"}.

local slot, waiter = ARGV[1], ARGV[3]
local wait, waiters, offer, waiting = KEYS[8], KEYS[9], KEYS[10], KEYS[7]
local capacity = redis.call('HGET', KEYS[1], slot)
if not capacity or redis.call('HEXISTS', KEYS[3], ARGV[2]) == 0 then return {'unknown_slot'} end
if redis.call('HGET', KEYS[4], ARGV[5]) then return {'already_registered'} end
if redis.call('HEXISTS', offer, waiter) == 1 then return {'waiting', 0} end
local rank = redis.call('ZRANK', wait, waiter)
if rank then return {'waiting', rank + 1} end
if tonumber(redis.call('HGET', KEYS[2], slot) or '0') < tonumber(capacity) then
  return {'available'}
end

local now = redis.call('TIME')
redis.call('ZADD', wait, tonumber(now[1]) * 1000000 + tonumber(now[2]), waiter)
redis.call('HSET', waiters, waiter, ARGV[4])
redis.call('SADD', waiting, slot)
return {'waiting', redis.call('ZRANK', wait, waiter) + 1}
