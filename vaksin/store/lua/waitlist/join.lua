-- uses: waitlist/waitlist
-- Puts a verified phone on one slot's waiting list, for the person it asks to book.
--
-- One list at a time, per person and per phone: a phone holds one place in line in all, for
-- one person, and a person one place, whichever phone asked. Joining another list gives up the
-- places the person and the phone held, in this same step (an offer they held goes at once to
-- the next in line there), so one phone cannot stand in the line of every full date, and a
-- family waits from one phone for one person at a time (another member's phone can wait for
-- another). Every check before the first write.
--
-- KEYS[1] capacity hash   KEYS[2] booked hash   KEYS[3] centres hash   KEYS[4] bookings stream
-- KEYS[5] the person's bucket   KEYS[6...12] the slot's waiting-list keys (keys.waitlist_keys)
-- KEYS[13] the person's waiting place   KEYS[14] the phone's (keys.waiting_person_key, ...)
-- ARGV[1] slot field   ARGV[2] centre id   ARGV[3] waiter (the phone's name)
-- ARGV[4] what to book (JSON, with "verified_until", until when the phone is verified, and
-- "expires_at", when the list's data expires: Unix seconds)   ARGV[5] the person's field
-- ARGV[6] seconds an offer is held   ARGV[7] now, Unix seconds ('' = Redis's clock; tests)
--
-- Returns {"waiting", position, left...}: position 0 when a place is offered to this phone now;
-- left, the slots of other lists this phone was on and has left. Or {"phone_unverified"},
-- {"unknown_slot"}, {"already_registered"}, {"available"} (a place is free: book it).

local W = waitlist()
local slot, waiter, asked, person = ARGV[1], ARGV[3], ARGV[4], ARGV[5]
local person_place, phone_place = KEYS[13], KEYS[14]
local k = W.slot_keys(KEYS, 6, KEYS[1], KEYS[2], KEYS[4])
local wanted = cjson.decode(asked)
local seconds = tonumber(ARGV[6])
local now = tonumber(ARGV[7]) or tonumber(redis.call('TIME')[1])

local function position()
  if redis.call('HEXISTS', k.offer, waiter) == 1 then return 0 end
  local rank = redis.call('ZRANK', k.wait, waiter)
  return rank and rank + 1
end

if (tonumber(wanted['verified_until']) or 0) <= now then return {'phone_unverified'} end
local capacity = redis.call('HGET', k.capacity, slot)
if not capacity or redis.call('HEXISTS', KEYS[3], ARGV[2]) == 0 then return {'unknown_slot'} end
if redis.call('HGET', KEYS[5], person) then return {'already_registered'} end
-- This phone waits here for this very person already: its place stands.
local own = redis.call('HGET', k.waiters, waiter)
own = own and cjson.decode(own)
if own and own['person_bucket'] == KEYS[5] and own['person_field'] == person and position() then
  return {'waiting', position()}
end
-- A place is free to book only with a second dose free in its range (book.lua).
if tonumber(redis.call('HGET', k.booked, slot) or '0') < tonumber(capacity)
    and W.second_free(wanted) then
  return {'available'}
end

-- The places held now by this phone (on any list, for anyone) and by this person (from any
-- phone) are given up. Only this phone's own places on other lists are named in the reply: a
-- phone that types someone's ID number learns nothing of where that person waited.
local left = {}
local function leave(found, of_person)
  local place = found and cjson.decode(found)
  if not place then return end
  local there = W.slot_keys({k.held, k.offers, k.waiting, place['wait'], place['waiters'],
    place['offer'], k.made}, 1, k.capacity, k.booked, k.stream)
  local record = redis.call('HGET', there.waiters, place['waiter'])
  record = record and cjson.decode(record)
  -- Gone already (left with the phone's place), or a record of someone else by now.
  if not record or (of_person and record['person_field'] ~= person) then return end
  W.leave(there, place['slot'], place['waiter'], now, seconds)
  if place['waiter'] == waiter and place['slot'] ~= slot then left[#left + 1] = place['slot'] end
end
-- This phone's place here for someone else first (also one written before places were kept).
if own then W.leave(k, slot, waiter, now, seconds) end
leave(redis.call('GET', phone_place), false)
leave(redis.call('GET', person_place), true)

local clock = redis.call('TIME')
redis.call('ZADD', k.wait, tonumber(clock[1]) * 1000000 + tonumber(clock[2]), waiter)
redis.call('HSET', k.waiters, waiter, asked)
redis.call('SADD', k.waiting, slot)
-- The waiter's personal data expires with the list, should the sweep not close it first.
redis.call('EXPIREAT', k.wait, wanted['expires_at'])
redis.call('EXPIREAT', k.waiters, wanted['expires_at'])
local place = cjson.encode({slot = slot, waiter = waiter, wait = k.wait, waiters = k.waiters,
  offer = k.offer})
redis.call('SET', person_place, place, 'EXAT', wanted['expires_at'])
redis.call('SET', phone_place, place, 'EXAT', wanted['expires_at'])
-- A place a leaving offer let go here is offered at once (to the first in line, maybe this
-- phone), rather than left free until the next sweep.
W.offer_free(k, slot, now, seconds)
return {'waiting', position(), unpack(left)}
