--[[
  Forget copies no longer held (released, deleted, or gone from the hold queue); the campaign leaves the host's index
  when none of its copies is left there.

  Input:
    KEYS[1] the campaign's held copies on this host "<base>c:<id>:held:<host>"
    KEYS[2] the host's campaigns with held copies "<base>held:<host>"
    KEYS[3] the host's count of held copies "<base>held:<host>:n"

    ARGV[1] campaign id
    ARGV[2..] queue ids

  Output: the number of copies forgotten.
]]
local removed = 0
for i = 2, #ARGV do
  removed = removed + redis.call("ZREM", KEYS[1], ARGV[i])
end
if removed > 0 then
  local left = redis.call("DECRBY", KEYS[3], removed)
  if left < 0 then
    redis.call("SET", KEYS[3], 0)
  end
end
if redis.call("ZCARD", KEYS[1]) == 0 then
  redis.call("ZREM", KEYS[2], ARGV[1])
end
return removed
