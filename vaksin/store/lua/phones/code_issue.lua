-- Issues a one-time code for a phone: stores its hash (never the code) with a lifetime and no
-- tries used, replacing any earlier code, unless the phone or the client address has asked for
-- too many codes already. Checks first, then writes.
--
-- KEYS[1] the phone's code hash   KEYS[2] sends per phone ('' = none)
-- KEYS[3] sends per client address ('' = none)   KEYS[4] operators' counters hash ('' = none)
-- ARGV[1] code hash   ARGV[2] seconds the code lives   ARGV[3] sends allowed per phone
-- ARGV[4] seconds that phone limit spans   ARGV[5] sends allowed per address (a minute)
--
-- Returns {"issued"} or {"rate_limited", seconds to wait}.

local limits = {{KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4])}, {KEYS[3], tonumber(ARGV[5]), 60}}
for _, limit in ipairs(limits) do
  local key, allowed = limit[1], limit[2]
  if key ~= '' and allowed > 0 and tonumber(redis.call('GET', key) or '0') >= allowed then
    if KEYS[4] ~= '' then redis.call('HINCRBY', KEYS[4], 'code:rate_limited', 1) end
    return {'rate_limited', math.max(redis.call('TTL', key), 1)}
  end
end

for _, limit in ipairs(limits) do
  local key, allowed, span = limit[1], limit[2], limit[3]
  if key ~= '' and allowed > 0 and redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, span) end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'tries', 0)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
if KEYS[4] ~= '' then redis.call('HINCRBY', KEYS[4], 'code:issued', 1) end
return {'issued'}
