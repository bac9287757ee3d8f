-- The arrival window: a slot's places spread evenly over the centre's opening hours, in
-- 30-minute windows, by a booking's position in its slot. Used by every script that gives a
-- place (registration/book, registration/move), so that a moved booking arrives like any other.
-- Returns the function window(hours, position, capacity) -> "HH:MM-HH:MM".

local function minutes(hhmm) return tonumber(hhmm:sub(1, 2)) * 60 + tonumber(hhmm:sub(4, 5)) end

return function(hours, position, capacity)
  local opens, closes, width = minutes(hours['opens']), minutes(hours['closes']), 30
  local windows = math.max(math.floor((closes - opens) / width), 1)
  local start = opens + math.floor(position * windows / capacity) * width
  local finish = start + width
  return string.format('%02d:%02d-%02d:%02d', math.floor(start / 60), start % 60,
                       math.floor(finish / 60), finish % 60)
end
