-- Records messages as sent and counts them for operators, in one step (outbox.py). A record
-- comes before its counts: the counts are for operators, the record stops a second send.
--
-- KEYS[1] operators' counters hash; per message i (from 0): KEYS[2 + 2i] its booking's bucket
-- of send records, KEYS[3 + 2i] the series bucket of its moment ('' when its channel's delay is
-- not counted)
-- ARGV[1] a record's life (s)   ARGV[2] a series bucket's life (s); per message i:
-- ARGV[3 + 5i] the record's field   ARGV[4 + 5i] when it went out (ms)   ARGV[5 + 5i] the channel
-- ARGV[6 + 5i] its delay's histogram bucket   ARGV[7 + 5i] the delay (s)

local metrics_key, record_life, series_life = KEYS[1], ARGV[1], ARGV[2]
for i = 0, (#KEYS - 1) / 2 - 1 do
  local records, series = KEYS[2 + 2 * i], KEYS[3 + 2 * i]
  local field, at, channel, bucket, delay = unpack(ARGV, 3 + 5 * i, 7 + 5 * i)
  redis.call('HSET', records, field, at)
  redis.call('EXPIRE', records, record_life)
  redis.call('HINCRBY', metrics_key, 'sent:' .. channel, 1)
  if series ~= '' then
    redis.call('HINCRBY', metrics_key, 'delay:' .. bucket, 1)
    redis.call('HINCRBYFLOAT', metrics_key, 'delay_sum', delay)
    redis.call('HINCRBY', series, 'sent', 1)
    redis.call('HINCRBYFLOAT', series, 'delay_sum', delay)
    redis.call('EXPIRE', series, series_life)
  end
end
return (#KEYS - 1) / 2
