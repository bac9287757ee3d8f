-- Who holds a booking, what its log entry says, and which of a phone's buckets counts it:
-- found the same way by every script that changes a booking after it is made
-- (registration/cancel, registration/move, registration/transfer). A person and a phone are
-- each kept under the current key and the fallbacks' (PERSON_KEY_SECRET_FALLBACKS), so each
-- is looked for in a run of KEYS whose fields are ARGV[i + offset].
-- Call it as holder(KEYS, ARGV); it returns a table of functions:
--   person(first, last, offset, number) -> bucket, field of the person holding `number`, or nil
--   entry(stream, number) -> the booking's log entry as a table of fields, or nil once purged
--   phone(first, offset) -> bucket, field, count of the first of KEYS[first..] counting the
--     phone's bookings, or nil when none does

local found = {}

function found.person(first, last, offset, number)
  for i = first, last do
    if redis.call('HGET', KEYS[i], ARGV[i + offset]) == number then
      return KEYS[i], ARGV[i + offset]
    end
  end
  return nil
end

function found.entry(stream, number)
  local entry = redis.call('XRANGE', stream, number .. '-0', number .. '-0')[1]
  if not entry then return nil end
  local fields = {}
  for i = 1, #entry[2], 2 do fields[entry[2][i]] = entry[2][i + 1] end
  return fields
end

function found.phone(first, offset)
  for i = first, #KEYS do
    local count = tonumber(redis.call('HGET', KEYS[i], ARGV[i + offset]) or '0')
    if count > 0 then return KEYS[i], ARGV[i + offset], count end
  end
  return nil
end

return found
