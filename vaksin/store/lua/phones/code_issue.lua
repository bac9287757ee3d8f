-- Issues a one-time code for a phone: stores its hash (never the code) with a lifetime,
-- replacing any earlier code, unless a limit says no. Checks first, then writes.
--
-- The limits are such that nobody can spend another person's: a phone takes a new code once a
-- minute whoever asks (a stranger can delay the owner by a minute at most, and the code still
-- goes to the owner's phone); its hourly budget is per phone AND asking address, so a
-- stranger's address uses up only its own; a ceiling per phone from all addresses together is
-- high enough that only a flood reaches it, and reaching it is counted for operators.
--
-- KEYS[1] the phone's code hash   KEYS[2] the phone's resend cooldown
-- KEYS[3] sends to this phone from this address (an hour)   KEYS[4] sends to this phone (an hour)
-- KEYS[5] sends from this address (a minute; '' = no limit)   KEYS[6] operators' counters ('' = none)
-- KEYS[7] this address's wrong tries at this phone's code (cleared: a new code, a fresh start)
-- ARGV[1] code hash   ARGV[2] seconds the code lives   ARGV[3] seconds between codes to a phone
-- ARGV[4] sends per phone and address an hour   ARGV[5] sends per phone an hour
-- ARGV[6] sends per address a minute
--
-- Returns {"issued"} or {"rate_limited", seconds to wait, which limit}.

local code_key, cooldown_key, pair_key, phone_key, address_key, metrics_key, tries_key =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local lifetime, cooldown = tonumber(ARGV[2]), tonumber(ARGV[3])
local counted = {{address_key, tonumber(ARGV[6]), 60, 'address'},
                 {pair_key, tonumber(ARGV[4]), 3600, 'phone_address'},
                 {phone_key, tonumber(ARGV[5]), 3600, 'phone_ceiling'}}

local function refused(key, why)
  if metrics_key ~= '' then
    redis.call('HINCRBY', metrics_key, 'code:rate_limited', 1)
    redis.call('HINCRBY', metrics_key, 'code:' .. why, 1)
  end
  return {'rate_limited', math.max(redis.call('TTL', key), 1), why}
end

if address_key ~= '' and counted[1][2] > 0
    and tonumber(redis.call('GET', address_key) or '0') >= counted[1][2] then
  return refused(address_key, 'address')
end
if redis.call('EXISTS', cooldown_key) == 1 then return refused(cooldown_key, 'cooldown') end
for i = 2, 3 do
  local key, allowed, _, why = unpack(counted[i])
  if allowed > 0 and tonumber(redis.call('GET', key) or '0') >= allowed then return refused(key, why) end
end

for _, limit in ipairs(counted) do
  local key, allowed, span = limit[1], limit[2], limit[3]
  if key ~= '' and allowed > 0 and redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, span) end
end
redis.call('SET', cooldown_key, 1, 'EX', cooldown)
redis.call('DEL', code_key, tries_key)
redis.call('HSET', code_key, 'hash', ARGV[1], 'tries', 0)
redis.call('EXPIRE', code_key, lifetime)
if metrics_key ~= '' then redis.call('HINCRBY', metrics_key, 'code:issued', 1) end
return {'issued'}
