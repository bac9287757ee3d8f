-- Frees the send claims one confirmation run holds: compare and delete, so that a claim which
-- lapsed and was taken by another worker is left to that worker.
--
-- KEYS: the claim keys   ARGV[1]: this run's token
-- Returns how many claims were freed.

local freed = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('DEL', key)
    freed = freed + 1
  end
end
return freed
