-- Doses given of a booking: the doses record of it, or of the booking it replaced, back along
-- 'moved_from'. A move (registration/move), a transfer and a second dose let go each replace
-- a booking with a new number; the doses given are the person's, so they go along, without
-- every script that replaces a booking having to copy them.
-- Used by registration/dose_given and registration/second_cancel.
-- Returns a table of functions:
--   place(prefix, size, number) -> the key and field of booking `number`'s record: 'size'
--     bookings to a hash named `prefix` and the bucket's number (keys.doses_key, doses_field)
--   given(stream, prefix, size, number, entry) -> "1", "2" or nil, where `entry` is booking
--     `number`'s log entry as a table of fields

local MOST_REPLACED = 1000
local doses = {}

function doses.place(prefix, size, number)
  local n = tonumber(number)
  return prefix .. math.floor(n / size), tostring(n % size)
end

function doses.given(stream, prefix, size, number, entry)
  for _ = 1, MOST_REPLACED do
    local given = redis.call('HGET', doses.place(prefix, size, number))
    if given then return given end
    number = entry and entry['moved_from']
    if not number then return nil end
    local found = redis.call('XRANGE', stream, number .. '-0', number .. '-0')[1]
    entry = {}
    if found then
      for i = 1, #found[2], 2 do entry[found[2][i]] = found[2][i + 1] end
    end
  end
  return nil
end

return doses
