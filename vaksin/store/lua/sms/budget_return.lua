-- Gives back sends taken from an SMS budget and not made (a code a per-phone limit refused
-- after all, a confirmation whose send failed). A window that has ended is left alone: its
-- counter is gone or about to go, and a negative count must not outlive it.
--
-- KEYS the windows' counters   ARGV[1] sends to give back
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('DECRBY', key, tonumber(ARGV[1])) end
end
return 1
