-- Takes sends from an SMS budget: every window of it at once, so that concurrent requests can
-- never spend past a limit (each window is a counter; one script is one atomic step).
--
-- A window is a fixed span (this minute, this hour: its number is in its key) with a limit;
-- operators raise every limit at once with the switch 'sms_budget' (a factor, 1 when unset).
--
-- KEYS[1] the operators' switches   KEYS[2] operators' counters ('' = none)
-- KEYS[3..] one counter per window, in the order of their ARGV triples
-- ARGV[1] sends wanted   ARGV[2] '1': all or none (a code), '0': as many as there is room for
-- ARGV[3] the budget's kind, for the counters (codes, confirmations)
-- then per window: its limit (0 = none), seconds left in it, its name (minute, prefix_hour...)
--
-- Returns {sends granted, seconds until every window that refused one has room again (0 when
-- all were granted), the name of that window}.

local switches_key, metrics_key = KEYS[1], KEYS[2]
local wanted, all_or_none, kind = tonumber(ARGV[1]), ARGV[2] == '1', ARGV[3]
local factor = tonumber(redis.call('HGET', switches_key, 'sms_budget') or '1') or 1

local windows, granted = {}, wanted
for i = 3, #KEYS do
  local at = 4 + (i - 3) * 3
  local limit = tonumber(ARGV[at])
  if limit > 0 then
    local used = tonumber(redis.call('GET', KEYS[i]) or '0')
    local room = math.max(math.floor(limit * factor) - used, 0)
    windows[#windows + 1] = {KEYS[i], room, tonumber(ARGV[at + 1]), ARGV[at + 2]}
    if room < granted then granted = room end
  end
end
if all_or_none and granted < wanted then granted = 0 end

local wait, why = 0, ''
for _, window in ipairs(windows) do
  local key, room, left, name = unpack(window)
  if granted > 0 and redis.call('INCRBY', key, granted) == granted then
    -- A little past its span, so that the dashboard still reads a window that just ended.
    redis.call('EXPIRE', key, left + 60)
  end
  if room < wanted and left > wait then wait, why = left, name end
end
if granted < wanted and metrics_key ~= '' then
  redis.call('HINCRBY', metrics_key, 'sms_budget:' .. kind .. ':' .. why, wanted - granted)
  if kind == 'codes' then
    -- Also among the codes refused, as the per-phone limits count theirs (code_issue.lua).
    redis.call('HINCRBY', metrics_key, 'code:rate_limited', 1)
    redis.call('HINCRBY', metrics_key, 'code:sms_budget', 1)
  end
end
return {granted, wait, why}
