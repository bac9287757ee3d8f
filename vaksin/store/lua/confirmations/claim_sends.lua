-- Claims the sends of a batch of bookings and reads what decides each one (outbox.py): for
-- each booking, its claim (taken unless another worker holds it), its send records, then the
-- booking its person holds now. Each booking's records are read after its claim is taken, so a
-- worker that finished and freed the claim just before is seen as having sent.
--
-- ARGV[1] this run's token   ARGV[2] a claim's life (s)   ARGV[3] c, the channels
-- ARGV[4] n, the person's names (the current key's and the older ones still in use)
-- Per booking i (from 0): KEYS[1 + i * (2 + n)] its claim, KEYS[2 + i * (2 + n)] its bucket of
-- send records, then the person's n buckets; ARGV[5 + i * (c + n)...] the c record fields,
-- then the person's n fields.
-- Returns, per booking, {claimed 1 or 0, each channel's record or false, the booking held or false}.

local token, life = ARGV[1], ARGV[2]
local channels, names = tonumber(ARGV[3]), tonumber(ARGV[4])
local states = {}
for i = 0, #KEYS / (2 + names) - 1 do
  local key, arg = 1 + i * (2 + names), 5 + i * (channels + names)
  local state = {redis.call('SET', KEYS[key], token, 'NX', 'EX', life) and 1 or 0}
  for c = 0, channels - 1 do
    state[#state + 1] = redis.call('HGET', KEYS[key + 1], ARGV[arg + c])
  end
  local held = false
  for p = 0, names - 1 do
    held = held or redis.call('HGET', KEYS[key + 2 + p], ARGV[arg + channels + p])
  end
  state[#state + 1] = held
  states[#states + 1] = state
end
return states
