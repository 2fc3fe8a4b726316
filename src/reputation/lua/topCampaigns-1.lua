--[[
  The busiest campaigns of the sliding window, at a cost bounded by what is asked, not by how many campaigns exist:
  only the head of each bucket's ranking (hot:<bucket>, the busiest first) is read.

  Input:
    KEYS[1] key base "<prefix>:{<prefix>}:" (the rankings hot:<bucket> are built from it, same slot)

    ARGV[1] the current bucket
    ARGV[2] buckets in the window
    ARGV[3] campaigns wanted
    ARGV[4] campaigns read from the head of each bucket's ranking (at least ARGV[3])

  Output: up to ARGV[3] campaign ids, the most copies in the window (summed over the heads read) first.
  A campaign outside every bucket's head is left out even if its sum would place it: with heads a few times longer
  than the list, that takes a campaign that is never among the busiest of any bucket.
]]
local base = KEYS[1]
local current, buckets = tonumber(ARGV[1]), tonumber(ARGV[2])
local wanted, head = tonumber(ARGV[3]), tonumber(ARGV[4])

local copies = {}
local ids = {}
for b = current - buckets + 1, current do
  local flat = redis.call("ZREVRANGE", base .. "hot:" .. b, 0, head - 1, "WITHSCORES")
  for i = 1, #flat, 2 do
    local id = flat[i]
    if not copies[id] then
      copies[id] = 0
      ids[#ids + 1] = id
    end
    copies[id] = copies[id] + tonumber(flat[i + 1])
  end
end
table.sort(ids, function(a, b)
  if copies[a] ~= copies[b] then
    return copies[a] > copies[b]
  end
  return a < b
end)
local out = {}
for i = 1, math.min(wanted, #ids) do
  out[i] = ids[i]
end
return out
