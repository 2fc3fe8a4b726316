--[[
  Store a heavy scan's verdict on its campaign and publish it to the waiters. A person's decision on the campaign
  (includes/personDecision.lua) is left as it is: the verdict is kept beside it, and the state still follows the person.

  Input:
    KEYS[1] the campaign hash "<base>c:<id>"

    ARGV[1] verdict, "spam", "ham" or "unsure"
    ARGV[2] score
    ARGV[3] scanner
    ARGV[4] at, Unix ms
    ARGV[5] pub/sub channel
    ARGV[6] the message to publish ({"id":…,"verdict":…} JSON)
    ARGV[7] the scanner's threshold ("" when none)
    ARGV[8] the top rules, comma-separated

  Output: 1 when stored, 0 when the campaign no longer exists (the message is published either way).
]]
local ckey = KEYS[1]
local stored = 0
if redis.call("EXISTS", ckey) == 1 then
  redis.call("HSET", ckey, "v", ARGV[1], "vScore", ARGV[2], "vScanner", ARGV[3], "vAt", ARGV[4], "vThreshold", ARGV[7],
    "vRules", ARGV[8])
  stored = 1
end
redis.call("PUBLISH", ARGV[5], ARGV[6])
return stored
