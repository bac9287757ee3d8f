-- The waiting lists' shared steps, for the scripts that free a place (cancel_release.lua,
-- move.lua), the sweep (waitlist_sweep.lua) and the acceptance of an offer
-- (waitlist_accept.lua). Those scripts run this one as a function (see "-- uses:" in
-- vaksin/store/connection.py); it returns its functions.
--
-- Each function takes `k`, one slot's keys (slot_keys): the capacity and booked hashes, the
-- booking log, and the slot's waiting-list keys in the order of keys.waitlist_keys.
--
-- A live offer holds its place: it is counted in the booked hash (so no booking, however
-- fast, can take it) and in the held hash (so the invariant check knows it is not a booking).

local W = {}

function W.slot_keys(keys, first, capacity, booked, stream)
  return {capacity = capacity, booked = booked, stream = stream,
          held = keys[first], offers = keys[first + 1], waiting = keys[first + 2],
          wait = keys[first + 3], waiters = keys[first + 4], offer = keys[first + 5],
          made = keys[first + 6]}
end

function W.next_number(stream)
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)[1]
  return last and tonumber(string.match(last[1], '^(%d+)')) + 1 or 1
end

-- Forgets a slot that has no waiter and no live offer left, and a held count of 0.
function W.tidy(k, slot)
  if redis.call('EXISTS', k.wait) == 0 and redis.call('EXISTS', k.offer) == 0 then
    redis.call('DEL', k.waiters)
    redis.call('SREM', k.waiting, slot)
  end
  if tonumber(redis.call('HGET', k.held, slot) or '0') <= 0 then redis.call('HDEL', k.held, slot) end
end

-- Offers each free place of the slot to the next waiter in line, while there are both. The
-- offer is an entry in the booking log, so the relay sends its SMS like a confirmation.
function W.offer_free(k, slot, now, seconds)
  local offered = 0
  while true do
    local capacity = tonumber(redis.call('HGET', k.capacity, slot) or '0')
    local booked = tonumber(redis.call('HGET', k.booked, slot) or '0')
    if booked >= capacity then break end
    local first = redis.call('ZRANGE', k.wait, 0, 0)[1]
    if not first then break end
    redis.call('ZREM', k.wait, first)
    local asked = redis.call('HGET', k.waiters, first)
    local wanted = asked and cjson.decode(asked)
    -- A waiter who has booked since (another slot, or this one while it had a place) is passed
    -- over. Their person key is read by the name stored when they joined: like every key it
    -- carries the {vk} tag, so it lives in the same cluster slot as the keys declared.
    if wanted and not redis.call('HGET', wanted['person_bucket'], wanted['person_field']) then
      local expires = now + seconds
      redis.call('HINCRBY', k.booked, slot, 1)
      redis.call('HINCRBY', k.held, slot, 1)
      redis.call('HSET', k.offer, first, expires)
      redis.call('ZADD', k.offers, expires, slot .. '#' .. first)
      redis.call('XADD', k.stream, W.next_number(k.stream) .. '-0', 'kind', 'offered',
        'waiter', first, 'phone', wanted['phone'], 'lang', wanted['lang'],
        'location', wanted['location'], 'date', wanted['date'], 'until', expires, 'at', now)
      redis.call('INCR', k.made)
      offered = offered + 1
    else
      redis.call('HDEL', k.waiters, first)
    end
  end
  W.tidy(k, slot)
  return offered
end

-- Ends every offer of the slot that has lapsed: its place is let go and its waiter leaves.
function W.lapse(k, slot, now)
  local lapsed = 0
  local offers = redis.call('HGETALL', k.offer)
  for i = 1, #offers, 2 do
    if tonumber(offers[i + 1]) <= now then
      local waiter = offers[i]
      redis.call('HDEL', k.offer, waiter)
      redis.call('ZREM', k.offers, slot .. '#' .. waiter)
      redis.call('HDEL', k.waiters, waiter)
      redis.call('HINCRBY', k.booked, slot, -1)
      redis.call('HINCRBY', k.held, slot, -1)
      lapsed = lapsed + 1
    end
  end
  return lapsed
end

return W
