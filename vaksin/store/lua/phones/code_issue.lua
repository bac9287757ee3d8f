-- uses: sms/budget_take sms/budget_return
-- Issues a one-time code for a phone, the whole of it in one step: takes its send from the SMS
-- budget for codes, stores its hash (never the code) with a lifetime, replacing any earlier
-- code, and appends the SMS to the code outbox, which the relay sends (phones/sending.py),
-- unless a limit says no.
--
-- The budget is asked first, as it was when it was a step of its own: a code it refuses is
-- answered with the budget's refusal whatever else would refuse it. A per-phone limit that
-- refuses after the budget granted gives the send back, in this same atomic step.
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
-- KEYS[8] the code outbox (a stream)   KEYS[9] operators' switches (the budget's factor)
-- KEYS[10..] the SMS budget's windows with a limit (none: no budget)
-- ARGV[1] code hash   ARGV[2] seconds the code lives   ARGV[3] seconds between codes to a phone
-- ARGV[4] sends per phone and address an hour   ARGV[5] sends per phone an hour
-- ARGV[6] sends per address a minute
-- ARGV[7] the phone (E.164)   ARGV[8] the nonce the code is derived from   ARGV[9] the language
-- ARGV[10..] per budget window: its limit, seconds left in it, its name (sms/budget_take.lua)
--
-- Returns {"issued"} or {"rate_limited", seconds to wait, which limit} ("sms_budget": the
-- budget's).

local code_key, cooldown_key, pair_key, phone_key, address_key, metrics_key, tries_key =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local outbox_key, switches_key = KEYS[8], KEYS[9]
local lifetime, cooldown = tonumber(ARGV[2]), tonumber(ARGV[3])
local counted = {{address_key, tonumber(ARGV[6]), 60, 'address'},
                 {pair_key, tonumber(ARGV[4]), 3600, 'phone_address'},
                 {phone_key, tonumber(ARGV[5]), 3600, 'phone_ceiling'}}

local windows = {}
for i = 10, #KEYS do windows[#windows + 1] = KEYS[i] end
if #windows > 0 then
  local budget_keys, budget_args = {switches_key, metrics_key}, {1, '1', 'codes'}
  for _, key in ipairs(windows) do budget_keys[#budget_keys + 1] = key end
  for i = 10, #ARGV do budget_args[#budget_args + 1] = ARGV[i] end
  local taken = budget_take(budget_keys, budget_args)
  if tonumber(taken[1]) == 0 then return {'rate_limited', taken[2], 'sms_budget'} end
end

local function refused(key, why)
  if #windows > 0 then budget_return(windows, {1}) end
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
-- The outbox keeps no entry older than a code's lifetime: such a code is dead, sent or not, and
-- its entry names a phone. Trimmed here, by the writer, so the relay never needs XDEL.
local now = redis.call('TIME')
local oldest = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - lifetime * 1000
redis.call('XADD', outbox_key, 'MINID', '~', oldest, '*',
           'phone', ARGV[7], 'nonce', ARGV[8], 'lang', ARGV[9])
if metrics_key ~= '' then redis.call('HINCRBY', metrics_key, 'code:issued', 1) end
return {'issued'}
