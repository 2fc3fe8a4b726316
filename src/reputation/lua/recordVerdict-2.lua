--[[
  Store a heavy scan's verdict on its campaign and publish it to the waiters. A person's decision on the campaign
  (includes/personDecision.lua) is left as it is: the verdict is kept beside it, and the state still follows the person.

  Input:
    KEYS[1] the campaign hash "<base>c:<id>" as named by the scan job (it may have been merged into another since:
            the verdict goes to the campaign it was merged into)
    KEYS[2] the key base "<prefix>:{<prefix>}:"

    ARGV[1] verdict, "spam", "ham" or "unsure"
    ARGV[2] score
    ARGV[3] scanner
    ARGV[4] at, Unix ms
    ARGV[5] pub/sub channel
    ARGV[6] the verdict as JSON (ScanVerdict)
    ARGV[7] the scanner's threshold ("" when none)
    ARGV[8] the top rules, comma-separated
    ARGV[9] the campaign id as named

  Output: the id of the campaign that took the verdict, or 0 when none exists. `{"id":…,"verdict":…}` is published
  for the id as named, and for the campaign it was merged into, either way.
]]
--- @include "includes/resolveCampaign"

local base, named = KEYS[2], ARGV[9]
local id = resolveCampaign(base, named, {})
if id then
  redis.call("HSET", base .. "c:" .. id, "v", ARGV[1], "vScore", ARGV[2], "vScanner", ARGV[3], "vAt", ARGV[4],
    "vThreshold", ARGV[7], "vRules", ARGV[8])
end
redis.call("PUBLISH", ARGV[5], '{"id":"' .. named .. '","verdict":' .. ARGV[6] .. "}")
if id and id ~= named then
  redis.call("PUBLISH", ARGV[5], '{"id":"' .. id .. '","verdict":' .. ARGV[6] .. "}")
end
return id or 0
