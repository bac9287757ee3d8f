-- Advances the waiting room's log of tickets' chain (see queue.lua) to `to`, if nobody else
-- advanced it meanwhile: the caller read the entries after ticket `from`, computed the heads in
-- Python and sends the last. The chain's head at ticket `drawn` is the draw's (drawn_head): set
-- here once the opening has frozen `drawn`, from the head before or after this step when it
-- falls on either; when it falls inside the step, the caller is asked to stop there first.
--
-- KEYS[1] state hash   ARGV[1] from (the head_ticket read)   ARGV[2] to   ARGV[3] the head at `to`
-- Returns {'moved'} (someone else advanced it: read again), {'split', drawn} (advance to
-- `drawn` first), or {'ok', head_ticket}.

local state = KEYS[1]
local from, to, head = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local s = redis.call('HMGET', state, 'head_ticket', 'head', 'drawn', 'drawn_head')
if tonumber(s[1] or '0') ~= from then return {'moved'} end
local before, drawn = s[2] or string.rep('0', 64), tonumber(s[4] and '' or (s[3] or ''))
if drawn and from < drawn and drawn < to then return {'split', drawn} end
if to > from then redis.call('HSET', state, 'head', head, 'head_ticket', to) end
if drawn == from then
  redis.call('HSET', state, 'drawn_head', before)
elseif drawn == to then
  redis.call('HSET', state, 'drawn_head', head)
end
return {'ok', math.max(from, to)}
