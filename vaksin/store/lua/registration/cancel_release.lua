-- uses: registration/cancel waitlist/waitlist
-- Cancels one booking (lua/registration/cancel.lua) and, in the same step, offers its place to the next
-- waiter of its slot: the place is never free for anyone else in between.
--
-- KEYS[1] booked hash   KEYS[2] bookings stream   KEYS[3] capacity hash
-- KEYS[4...10] the waiting-list keys of the booking's slot (keys.waitlist_keys)
-- KEYS[11] second-dose booked hash   KEYS[12...] the cancelling script's person and phone buckets
-- ARGV[1] the booking's slot field (a booking's log entry never changes, so the caller reads it
-- beforehand)   ARGV[2] seconds an offer is held   ARGV[3...] the cancelling script's arguments
--
-- Returns the cancelling script's reply.

local W = waitlist()
local cancel_keys, cancel_args = {KEYS[1], KEYS[2], KEYS[11]}, {}
for i = 12, #KEYS do cancel_keys[#cancel_keys + 1] = KEYS[i] end
for i = 3, #ARGV do cancel_args[#cancel_args + 1] = ARGV[i] end
local reply = cancel(cancel_keys, cancel_args)
if reply[1] == 'cancelled' then
  local k = W.slot_keys(KEYS, 4, KEYS[3], KEYS[1], KEYS[2])
  W.offer_free(k, ARGV[1], tonumber(redis.call('TIME')[1]), tonumber(ARGV[2]))
end
return reply
