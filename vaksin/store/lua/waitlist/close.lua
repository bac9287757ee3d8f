-- uses: waitlist/waitlist
-- Closes the waiting list of a slot whose date is over: every live offer lets its place go,
-- and every waiter is forgotten with their personal data (name, ID number, phone) and their
-- waiting places. Safe to run again: a closed list is nothing.
--
-- KEYS[1] capacity hash   KEYS[2] booked hash   KEYS[3] bookings stream
-- KEYS[4...10] the slot's waiting-list keys (keys.waitlist_keys)
-- KEYS[11] second-dose places held by offers   KEYS[12] second-dose booked hash
-- ARGV[1] slot field "<centre>|<date>"
--
-- Returns {offers ended, waiters forgotten}.

local W = waitlist()
return W.close(W.slot_keys(KEYS, 4, KEYS[1], KEYS[2], KEYS[3]), ARGV[1], KEYS[11], KEYS[12])
