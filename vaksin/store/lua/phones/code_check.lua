-- Checks a code typed for a phone. Every try is counted before it is compared.
--
-- Wrong tries are counted per asking address: a stranger's wrong codes use up the stranger's
-- tries, never the owner's. A ceiling on all tries at one code together stops a guess spread
-- over many addresses: past it the code is spent, and a new one must be sent. The answer has
-- the same shape whether a code is pending or not, so it does not tell whether one is.
--
-- KEYS[1] the phone's code hash   KEYS[2] this address's tries at this phone's code
-- KEYS[3] this address's attempts this minute ('' = no limit)
-- ARGV[1] hash of the code typed   ARGV[2] tries allowed per address   ARGV[3] tries allowed at
-- one code in all   ARGV[4] attempts per address a minute   ARGV[5] seconds a code lives
--
-- Returns {"ok"}, {"invalid", tries left}, {"exhausted", seconds} (this address's tries are
-- used, or the code's) or {"rate_limited", seconds} (this address's attempts this minute).

local code_key, tries_key, address_key = KEYS[1], KEYS[2], KEYS[3]
local allowed, ceiling, per_minute = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])

if address_key ~= '' and per_minute > 0 then
  local attempts = redis.call('INCR', address_key)
  if attempts == 1 then redis.call('EXPIRE', address_key, 60) end
  if attempts > per_minute then return {'rate_limited', math.max(redis.call('TTL', address_key), 1)} end
end
local tries = redis.call('INCR', tries_key)
if tries == 1 then redis.call('EXPIRE', tries_key, tonumber(ARGV[5])) end
if tries > allowed then return {'exhausted', math.max(redis.call('TTL', tries_key), 1)} end
if redis.call('EXISTS', code_key) == 1 then
  if redis.call('HINCRBY', code_key, 'tries', 1) > ceiling then
    redis.call('DEL', code_key)
    return {'exhausted', 1}
  end
  if redis.call('HGET', code_key, 'hash') == ARGV[1] then
    redis.call('DEL', code_key, tries_key)
    return {'ok'}
  end
end
return {'invalid', allowed - tries}
