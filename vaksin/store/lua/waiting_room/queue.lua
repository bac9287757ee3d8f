-- The waiting room: tickets, their log, the draw's positions and admission, in one atomic step.
--
-- Admission is advanced lazily by whoever calls first after the last step (a waiting person's
-- poll, the public state, an operator): it moves by rate x elapsed time since then, so any
-- number of web nodes calling at once advance it exactly as one would, and no process of its
-- own has to stay alive for the queue to move.
--
-- KEYS[1] state hash   KEYS[2] admission steps (sorted set: score = admitted through,
-- member = the step's time in ms)   KEYS[3] used passes (bitmap by position)
-- KEYS[4] the phone's ticket bucket ('' = none)   KEYS[5] operators' counters ('' = none)
-- KEYS[6] the log of tickets (a stream: entry "<ticket>-0" = holder, at)
-- ARGV[1] action: 'join' (take or read this phone's ticket), 'status' (read it, take none),
--   'tick' (advance only), 'rate' (set ARGV[9] tickets a second), 'mode' (ARGV[9]: set|auto)
-- ARGV[2] the phone's ticket field   ARGV[3] the opening, ms (REGISTRATION_OPENS_AT)
-- ARGV[4] a pass's life, ms   ARGV[5] the configured rate   ARGV[6] the phone's name in the
-- log ("<bucket hex>:<field>", a keyed HMAC, never the number)   ARGV[7] the automatic mode's
-- target, bookings a second   ARGV[8] how often the automatic mode adjusts, ms
-- ARGV[9] the action's value   ARGV[10] now, ms ('' = Redis's clock; tests give their own,
-- so that they move time instead of sleeping)
--
-- State: commitment (the seed's SHA-256, set by operators before the opening: `manage.py
-- waiting_room_draw --commit`), seed (only from the opening, when operators reveal it: the
-- seed itself is never here before, so nobody who can read Redis can know the order early),
-- head and head_ticket (the log's chain and how many tickets it covers so far: chain.lua),
-- drawn_head (the chain at ticket `drawn`, from chain.lua once the opening froze it), issued
-- (tickets taken), drawn (tickets taken before the opening, frozen at the opening), through
-- (admitted through this position), paced (admissions the rate has earned), last (time of the
-- last step, ms), rate, mode, expired (positions whose pass has lapsed or been used through),
-- lapsed (passes unused in their time), auto_at and auto_booked (when the automatic mode last
-- measured, and the bookings counted then).
--
-- The log: each ticket taken is appended as "<ticket>-0" {holder, at}. Its chain, head =
-- SHA-256(previous head "|" ticket "|" holder "|" at) from 64 zeros, is not computed here: SHA-256
-- in Lua costs about 80 us a ticket, three times the rest of a join, at the noon rush. The web
-- nodes advance it a second behind (vaksin/store/queue.py, chain.lua) and publish the head (GET
-- /api/queue, the waiting page), so a ticket moved to another phone, put in or taken out
-- afterwards changes every head after it; waiting_room/verify.py recomputes it.
--
-- A ticket's record is "<ticket>:<position>" (position empty until the draw gives one).
-- Tickets taken before the opening get their position from the draw: a keyed permutation of
-- 1..drawn (a four-round Feistel network on SHA-1, walked until it lands in range) whose key
-- is "<seed>:<drawn_head>", so the order depends on the revealed seed and on exactly the
-- tickets logged before the opening; anyone can recompute it (the same function in Python:
-- waiting_room/draw.py). Until the seed is revealed, drawn tickets have no position and
-- admission waits (operators reveal it once the chain has reached the drawn tickets). Later
-- tickets queue in arrival order behind them.
--
-- Returns {ticket, position, through, rate, admitted_at, issued, drawn, commitment, mode,
-- head, drawn_head, seed revealed ('1' or '')} ('' for what is not known).

local GENESIS = string.rep('0', 64)
local state_key, steps_key, used_key, ticket_key, metrics_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local log_key = KEYS[6]
local action, field, holder = ARGV[1], ARGV[2], ARGV[6]
local opening, window, configured_rate = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local target, period = tonumber(ARGV[7]), tonumber(ARGV[8])
local now = tonumber(ARGV[10] or '')
if not now then
  local clock = redis.call('TIME')
  now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
end

local s = redis.call('HMGET', state_key, 'seed', 'commitment', 'issued', 'drawn', 'through',
  'paced', 'last', 'rate', 'mode', 'expired', 'lapsed', 'auto_at', 'auto_booked', 'head',
  'drawn_head')
local seed, commitment = s[1], s[2] or ''
local head, drawn_head = s[14] or GENESIS, s[15]
local issued, drawn, through = tonumber(s[3] or '0'), tonumber(s[4] or ''), tonumber(s[5] or '0')
local paced, last, rate = tonumber(s[6] or '0'), tonumber(s[7] or ''), tonumber(s[8] or configured_rate)
local mode, expired, lapsed = s[9] or 'set', tonumber(s[10] or '0'), tonumber(s[11] or '0')

local key = seed and drawn_head and (seed .. ':' .. drawn_head)

local function feistel(x, half)
  local size = 2 ^ half
  local left, right = math.floor(x / size), x % size
  for round = 1, 4 do
    local f = tonumber(string.sub(redis.sha1hex(key .. ':' .. round .. ':' .. right), 1, 8), 16) % size
    left, right = right, (left + f) % size
  end
  return left * size + right
end

-- Ticket t (1..drawn) -> its drawn position (1..drawn).
local function drawn_position(ticket)
  local bits = 0
  while 2 ^ bits < drawn do bits = bits + 1 end
  bits = math.max(bits, 2)
  bits = bits + bits % 2
  local x = feistel(ticket - 1, bits / 2)
  while x >= drawn do x = feistel(x, bits / 2) end
  return x + 1
end

-- The automatic mode steers the rate so that the origin's rate of real bookings (the booking
-- script's `booked` outcomes, counted in the same step that books) nears the target.
--
-- Refusals are not counted. Anyone can make them at will, admitted or not (an unknown slot is
-- refused before the pass is looked at; a malformed request never reaches the script), and the
-- rate cannot slow them: counted, a crowd of junk requests talked the rate down and kept real
-- people waiting. Refusals of admitted people (sold_out, already_registered, phone_limit) are
-- left out too. So once every place is gone no booking is made, and the rate rises (at most
-- doubling a period, and only while people wait) until everyone waiting is admitted. That is
-- meant: with nothing left to book, admission protects nobody's turn, the wizard stops sending
-- people to wait (queue_applies in waiting_room/services.py), and an admitted person costs the
-- origin one refusal. A place that comes back goes to its date's waiting list first, and a pass
-- lapses after `window`; operators who want admission held back meanwhile set the rate by hand.
local function steer()
  if metrics_key == '' then return end
  local at, count = tonumber(s[12] or ''), tonumber(s[13] or '')
  if at and now - at < period then return end
  local booked = tonumber(redis.call('HGET', metrics_key, 'booking:booked') or '0')
  if at and count then
    local measured = (booked - count) / ((now - at) / 1000)
    -- Only a queue that is waiting tells us the origin could take more.
    if through < issued or measured > target then
      local factor = math.min(math.max(target / math.max(measured, 1), 0.5), 2)
      rate = math.min(math.max(rate * factor, 1), 100000)
    end
  end
  redis.call('HSET', state_key, 'auto_at', now, 'auto_booked', booked, 'rate', rate)
end

local function step()
  if now < opening then return end
  if not drawn then
    drawn = issued
    last = opening
    redis.call('HSET', state_key, 'drawn', drawn, 'last', last)
  end
  last = last or opening
  if drawn > 0 and not key then
    -- Nobody's place is known until operators reveal the seed: admission waits, and starts
    -- from the reveal rather than catching up on the time it waited.
    redis.call('HSET', state_key, 'last', now)
    return
  end
  if mode == 'auto' then steer() end
  if now - last < 100 then return end
  paced = paced + rate * (now - last) / 1000
  -- Passes whose time is over, in admission order: each unused one lets one more in.
  local ended = now - window
  repeat
    local steps = redis.call('ZRANGEBYSCORE', steps_key, '(' .. expired, '+inf', 'WITHSCORES', 'LIMIT', 0, 100)
    local moved = false
    for i = 1, #steps, 2 do
      if tonumber(steps[i]) > ended then break end
      expired, moved = tonumber(steps[i + 1]), true
    end
  until not moved or #steps < 200
  lapsed = expired - redis.call('BITCOUNT', used_key, 0, expired, 'BIT')
  local admitted = math.floor(paced) + lapsed
  if admitted >= issued then
    -- Nobody is left waiting: earned admissions are not banked for a later rush.
    admitted, paced = issued, math.max(issued - lapsed, 0)
  end
  if admitted > through then
    through = admitted
    redis.call('ZADD', steps_key, through, tostring(now))
  end
  last = now
  redis.call('HSET', state_key, 'through', through, 'paced', paced, 'last', last,
    'expired', expired, 'lapsed', lapsed)
end

if action == 'rate' then
  step()
  rate = tonumber(ARGV[9])
  mode = 'set'
  redis.call('HSET', state_key, 'rate', rate, 'mode', mode)
elseif action == 'mode' then
  step()
  mode = ARGV[9]
  redis.call('HSET', state_key, 'mode', mode)
  redis.call('HDEL', state_key, 'auto_at', 'auto_booked')
else
  step()
end

-- When the ticket at `position` was admitted (ms), or nil while it waits.
local function admitted_at(position)
  if position > through then return nil end
  return tonumber(redis.call('ZRANGEBYSCORE', steps_key, position, '+inf', 'LIMIT', 0, 1)[1])
end

local ticket, position, since = '', nil, nil
if ticket_key ~= '' then
  local record = redis.call('HGET', ticket_key, field)
  if record then
    ticket = tonumber(string.match(record, '^(%d+)'))
    position = tonumber(string.match(record, ':(%d+)$') or '')
    if not position and drawn and (ticket > drawn or key) then
      position = ticket <= drawn and drawn_position(ticket) or ticket
      redis.call('HSET', ticket_key, field, ticket .. ':' .. position)
    end
    local at = position and admitted_at(position)
    if at and now >= at + window and action == 'join' then
      record = nil  -- this ticket's turn is over: a new one, at the back
    end
  end
  if not record and action == 'join' then
    issued = issued + 1
    ticket = issued
    position = drawn and ticket or nil
    redis.call('XADD', log_key, ticket .. '-0', 'holder', holder, 'at', now)
    redis.call('HSET', state_key, 'issued', issued)
    redis.call('HSET', ticket_key, field, ticket .. ':' .. (position or ''))
  end
  since = position and admitted_at(position)
end

return {tostring(ticket), tostring(position or ''), through, tostring(rate), tostring(since or ''),
  issued, tostring(drawn or ''), commitment, mode, head, drawn_head or '', seed and '1' or ''}
