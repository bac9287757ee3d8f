-- uses: waitlist/waitlist
-- One slot's waiting list, looked at: offers that have lapsed let their place go, and every
-- free place (lapsed, or capacity raised by staff) is offered to the next waiter in line.
--
-- KEYS[1] capacity hash   KEYS[2] booked hash   KEYS[3] bookings stream
-- KEYS[4...10] the slot's waiting-list keys (keys.waitlist_keys)
-- ARGV[1] slot field "<centre>|<date>"   ARGV[2] seconds an offer is held
-- ARGV[3] now, Unix seconds ('' = Redis's clock; tests move it instead of sleeping)
--
-- Returns {offers lapsed, offers made}.

local W = waitlist()
local slot = ARGV[1]
local k = W.slot_keys(KEYS, 4, KEYS[1], KEYS[2], KEYS[3])
local now = tonumber(ARGV[3]) or tonumber(redis.call('TIME')[1])
local lapsed = W.lapse(k, slot, now)
return {lapsed, W.offer_free(k, slot, now, tonumber(ARGV[2]))}
