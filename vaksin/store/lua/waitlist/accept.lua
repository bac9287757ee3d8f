-- uses: registration/book waitlist/waitlist
-- Books the place an offer holds, through the booking script itself: the hold is let go and
-- book.lua books, in this one step, so nobody else can take the place in between and every
-- rule of a booking holds (one booking per person, the phone's limit).
--
-- KEYS[1...7] the slot's waiting-list keys (keys.waitlist_keys)
-- KEYS[8...] the booking script's keys (lua/registration/book.lua)
-- ARGV[1] slot field   ARGV[2] waiter   ARGV[3] when the offer lapses, as its SMS named it
-- ARGV[4...] the booking script's arguments
--
-- Returns {"offer_gone"} (lapsed, taken, or a newer offer) or the booking script's reply.

local W = waitlist()
local slot, waiter, expires = ARGV[1], ARGV[2], ARGV[3]
local book_keys, book_args = {}, {}
for i = 8, #KEYS do book_keys[#book_keys + 1] = KEYS[i] end
for i = 4, #ARGV do book_args[#book_args + 1] = ARGV[i] end
local k = W.slot_keys(KEYS, 1, book_keys[1], book_keys[2], book_keys[4])
local now = tonumber(redis.call('TIME')[1])
local held = redis.call('HGET', k.offer, waiter)
if held ~= expires or tonumber(held) <= now then return {'offer_gone'} end

redis.call('HINCRBY', k.booked, slot, -1)
-- The second-dose place the offer holds is let go too, for book.lua to take (the earliest free
-- in range: this one, or an earlier one freed since).
local held2, wanted = W.release_second(k, slot, waiter)
local reply = book(book_keys, book_args)
if reply[1] ~= 'booked' then
  -- Not booked (this person holds a booking by now, the phone its limit...): the holds are
  -- put back as they were, within the same step, and the offer stands until it lapses.
  redis.call('HINCRBY', k.booked, slot, 1)
  if held2 then
    W.hold_second(wanted, slot, held2, 1)
    wanted['held2'] = held2
    redis.call('HSET', k.waiters, waiter, cjson.encode(wanted))
  end
  return reply
end
redis.call('HINCRBY', k.held, slot, -1)
redis.call('HDEL', k.offer, waiter)
redis.call('ZREM', k.offers, slot .. '#' .. waiter)
-- Booked: what they asked to book, and their waiting places, are done with.
W.forget(k, slot, waiter)
W.tidy(k, slot)
return reply
