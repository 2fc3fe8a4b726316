--[[
  Note that a heavy scan was queued for a campaign: reset its copies-since-scan count.

  Input:
    KEYS[1] the campaign hash "<base>c:<id>" as named (the campaign it was merged into is marked)
    KEYS[2] the key base "<prefix>:{<prefix>}:"

    ARGV[1] now, Unix ms
    ARGV[2] the campaign id as named

  Output: 1 when marked, 0 when the campaign does not exist.
]]
--- @include "includes/resolveCampaign"

local id = resolveCampaign(KEYS[2], ARGV[2], {})
if not id then
  return 0
end
redis.call("HSET", KEYS[2] .. "c:" .. id, "scanAt", ARGV[1], "since", 0)
return 1
