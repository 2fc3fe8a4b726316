--[[
  Block a campaign until a time; every Floodgate sharing this Redis sees it at its next observation.

  Input:
    KEYS[1] the campaign hash "<base>c:<id>"

    ARGV[1] now, Unix ms
    ARGV[2] block until, Unix ms

  Output: 1 when blocked, 0 when the campaign does not exist.
  The campaign (and its copy buckets) is kept at least until the block ends.
]]
local ckey = KEYS[1]
local now, untilMs = tonumber(ARGV[1]), tonumber(ARGV[2])
if redis.call("EXISTS", ckey) == 0 then
  return 0
end
redis.call("HSET", ckey, "blockUntil", untilMs)
local keep = untilMs - now
if redis.call("PTTL", ckey) < keep then
  redis.call("PEXPIRE", ckey, keep)
  redis.call("PEXPIRE", ckey .. ":n", keep)
end
return 1
