-- Checks a code typed for a phone. Every try is counted before it is compared, so that at most
-- the allowed number of guesses is ever compared; the right code ends the code (used once).
--
-- KEYS[1] the phone's code hash
-- ARGV[1] hash of the code typed   ARGV[2] tries allowed
--
-- Returns {"ok"}, {"invalid", tries left}, {"exhausted", seconds until the code lapses}
-- or {"none"} (no code pending: never sent, expired or already used).

if redis.call('EXISTS', KEYS[1]) == 0 then return {'none'} end
local allowed = tonumber(ARGV[2])
local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
if tries > allowed then return {'exhausted', math.max(redis.call('TTL', KEYS[1]), 1)} end
if redis.call('HGET', KEYS[1], 'hash') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return {'ok'}
end
return {'invalid', allowed - tries}
