-- uses: lib/second_dose
-- The waiting lists' shared steps, for the scripts that free a place (cancel_release.lua,
-- move.lua), join a list (join.lua), sweep (sweep.lua), close an ended list (close.lua) and
-- accept an offer (accept.lua). Those scripts run this one as a function (see "-- uses:" in
-- vaksin/store/connection.py); it returns its functions.
--
-- Each function takes `k`, one slot's keys (slot_keys): the capacity and booked hashes, the
-- booking log, and the slot's waiting-list keys in the order of keys.waitlist_keys.
--
-- A live offer holds its place: it is counted in the booked hash (so no booking, however
-- fast, can take it) and in the held hash (so the invariant check knows it is not a booking).
-- With two doses it holds a second-dose place too, in the second-dose booked hash, at the
-- earliest date of the waiter's range with one free; the waiter's record names it ("held2"),
-- and a slot with no second dose free in range offers nothing (an offer could not be booked).
--
-- A waiter's record (what they asked to book: JSON, written by join.lua) names the keys this
-- script may touch beyond those declared: the person's bucket, and the person's and phone's
-- waiting places (keys.waiting_person_key, keys.waiting_phone_key). Like every key they carry
-- the {vk} tag, so they live in the same cluster slot as the keys declared.

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

-- A person's or a phone's waiting place, where it points at this waiter of this slot, goes with
-- the waiter. Where it points elsewhere (they joined another list since), it stays.
local function unplace(name, slot, waiter)
  local found = name and redis.call('GET', name)
  if not found then return end
  local place = cjson.decode(found)
  if place['slot'] == slot and place['waiter'] == waiter then redis.call('DEL', name) end
end

-- Forgets what a waiter of the slot asked to book (their name, ID number, phone) and the
-- waiting places that name them. Their place in line and their offer are the caller's.
function W.forget(k, slot, waiter)
  local asked = redis.call('HGET', k.waiters, waiter)
  redis.call('HDEL', k.waiters, waiter)
  if not asked then return end
  local wanted = cjson.decode(asked)
  unplace(wanted['person_place'], slot, waiter)
  unplace(wanted['phone_place'], slot, waiter)
end

local earliest_second = second_dose()

-- The second-dose place a waiter could hold now: the slot field of the earliest date of their
-- range (the record's "second_dates", with the key names it names) with one free; '' when
-- they book one dose; nil when no second dose is free in range.
function W.second_free(wanted)
  local dates = wanted['second_dates'] or ''
  if dates == '' then return '' end
  local _, _, _, slot2 =
    earliest_second(wanted['capacity2'], wanted['booked2'], wanted['location'], dates)
  return slot2
end

-- Counts a second-dose place an offer of `slot` holds (+1) or lets go (-1): in the booked
-- hash, and in the held hash ("<slot>#<second slot>"), which close() reads when the list's
-- records are gone.
function W.hold_second(wanted, slot, slot2, by)
  redis.call('HINCRBY', wanted['booked2'], slot2, by)
  local field = slot .. '#' .. slot2
  if wanted['held2_key'] and redis.call('HINCRBY', wanted['held2_key'], field, by) <= 0 then
    redis.call('HDEL', wanted['held2_key'], field)
  end
end

-- Lets go of the second-dose place a waiter's offer of `slot` holds (named in their record),
-- if any; returns that place and the record as it is now, or nil.
function W.release_second(k, slot, waiter)
  local asked = redis.call('HGET', k.waiters, waiter)
  local wanted = asked and cjson.decode(asked)
  if not wanted or (wanted['held2'] or '') == '' then return nil end
  local held2 = wanted['held2']
  W.hold_second(wanted, slot, held2, -1)
  wanted['held2'] = ''
  redis.call('HSET', k.waiters, waiter, cjson.encode(wanted))
  return held2, wanted
end

-- Lets the place a waiter's offer holds go: it is free again (the caller offers it on, or not).
function W.release(k, slot, waiter)
  redis.call('HDEL', k.offer, waiter)
  redis.call('ZREM', k.offers, slot .. '#' .. waiter)
  redis.call('HINCRBY', k.booked, slot, -1)
  redis.call('HINCRBY', k.held, slot, -1)
  W.release_second(k, slot, waiter)
end

-- Whether a waiter may be offered a place now. Not when they hold a booking (made since, on
-- another slot or on this one while it had a place), and not when the phone they joined from
-- is no longer verified: offers go to verified phones only, and a record that names no
-- verification (one written before verification was recorded) is never offered.
local function offerable(wanted, now)
  if not wanted then return false end
  if redis.call('HGET', wanted['person_bucket'], wanted['person_field']) then return false end
  return (tonumber(wanted['verified_until']) or 0) > now
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
    local asked = redis.call('HGET', k.waiters, first)
    local wanted = asked and cjson.decode(asked)
    -- Every waiter of a slot has the same range: no second dose free for the first in line is
    -- none for anyone, so the list waits as it is for a second-dose place to free.
    local second = wanted and W.second_free(wanted)
    if wanted and not second then break end
    redis.call('ZREM', k.wait, first)
    if offerable(wanted, now) then
      local expires = now + seconds
      redis.call('HINCRBY', k.booked, slot, 1)
      redis.call('HINCRBY', k.held, slot, 1)
      if second ~= '' then
        W.hold_second(wanted, slot, second, 1)
        wanted['held2'] = second
        redis.call('HSET', k.waiters, first, cjson.encode(wanted))
      end
      redis.call('HSET', k.offer, first, expires)
      -- The offers expire with the list, as its waiters do (join.lua).
      if wanted['expires_at'] then redis.call('EXPIREAT', k.offer, wanted['expires_at']) end
      redis.call('ZADD', k.offers, expires, slot .. '#' .. first)
      redis.call('XADD', k.stream, W.next_number(k.stream) .. '-0', 'kind', 'offered',
        'waiter', first, 'phone', wanted['phone'], 'lang', wanted['lang'],
        'location', wanted['location'], 'date', wanted['date'], 'until', expires, 'at', now)
      redis.call('INCR', k.made)
      offered = offered + 1
    else
      W.forget(k, slot, first)
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
      W.release(k, slot, offers[i])
      W.forget(k, slot, offers[i])
      lapsed = lapsed + 1
    end
  end
  return lapsed
end

-- Takes a waiter off the slot's list (they joined another: join.lua): their place in line,
-- their record, and their offer if they hold one, whose place goes at once to the next in line.
function W.leave(k, slot, waiter, now, seconds)
  redis.call('ZREM', k.wait, waiter)
  local held = redis.call('HEXISTS', k.offer, waiter) == 1
  if held then W.release(k, slot, waiter) end
  W.forget(k, slot, waiter)
  if held then W.offer_free(k, slot, now, seconds) else W.tidy(k, slot) end
end

-- Ends a list whose date is over: every live offer lets its place go (nobody can use it now)
-- and every waiter is forgotten, their personal data with them. Returns {offers ended,
-- waiters forgotten}. `held2` and `booked2` are the second-dose held and booked hashes: the
-- second doses of offers whose records expired first are let go from what held2 says.
function W.close(k, slot, held2, booked2)
  local ended, forgotten = 0, 0
  for _, waiter in ipairs(redis.call('HKEYS', k.offer)) do
    W.release(k, slot, waiter)
    ended = ended + 1
  end
  -- Offers whose keys expired first (no sweep ran for a day) still hold places in the counts.
  local stale = tonumber(redis.call('HGET', k.held, slot) or '0')
  if stale > 0 then
    redis.call('HINCRBY', k.booked, slot, -stale)
    redis.call('HDEL', k.held, slot)
    ended = ended + stale
  end
  local cursor = '0'
  repeat
    local page = redis.call('HSCAN', held2, cursor, 'MATCH', slot .. '#*', 'COUNT', 100)
    cursor = page[1]
    for i = 1, #page[2], 2 do
      local slot2 = string.sub(page[2][i], #slot + 2)
      redis.call('HINCRBY', booked2, slot2, -tonumber(page[2][i + 1]))
      redis.call('HDEL', held2, page[2][i])
    end
  until cursor == '0'
  for _, waiter in ipairs(redis.call('HKEYS', k.waiters)) do
    W.forget(k, slot, waiter)
    forgotten = forgotten + 1
  end
  redis.call('DEL', k.wait)
  W.tidy(k, slot)
  return {ended, forgotten}
end

return W
