-- The second dose's place: the earliest date of a first dose's range with a second-dose place
-- free, found the same way by every script that gives one (registration/book, registration/
-- move, and the waiting lists' offers), so that the rule is written once.
-- Returns the function earliest(capacity2, booked2, location, dates, freed, only):
--   capacity2, booked2: the second-dose capacity and booked hashes
--   dates: the range's dates, earliest first, as "YYYY-MM-DD,YYYY-MM-DD,..." (fixed width, cut
--     out rather than matched: this runs on the booking's hot path)
--   freed: a second-dose slot whose own place is let go in the same step (a move's), or nil
--   only: the one date that may be taken (a second dose moved alone), or nil
-- -> date, its places booked, its capacity, its slot field "<centre>|<date>"; or nil.

return function(capacity2, booked2, location, dates, freed, only)
  for at = 1, #dates, 11 do
    local date = string.sub(dates, at, at + 9)
    local slot2 = location .. '|' .. date
    local capacity = tonumber(redis.call('HGET', capacity2, slot2) or '0')
    local booked = tonumber(redis.call('HGET', booked2, slot2) or '0')
    if not capacity or not booked then error('corrupt second-dose counters for ' .. slot2) end
    if slot2 == freed then booked = booked - 1 end
    if (not only or date == only) and booked < capacity then
      return date, booked, capacity, slot2
    end
  end
  return nil
end
