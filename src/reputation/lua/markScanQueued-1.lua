--[[
  Note that a heavy scan was queued for a campaign: reset its copies-since-scan count.

  Input:
    KEYS[1] the campaign hash "<base>c:<id>"

    ARGV[1] now, Unix ms

  Output: 1 when marked, 0 when the campaign does not exist.
]]
if redis.call("EXISTS", KEYS[1]) == 0 then
  return 0
end
redis.call("HSET", KEYS[1], "scanAt", ARGV[1], "since", 0)
return 1
