--[[
  Keep one sampled copy of a campaign for the console (src/reputation/samples.ts), but its message (a SET of its
  own beside this script, so that up to maxMessageBytes are not copied into Lua and out again): when the message was
  taken, when it was sent beside this script, unless one is kept already; each list's values scored by when they were
  seen, cut to the newest `maxValues`; everything to expire `ttl` seconds from now. One command for what was a
  dozen-odd.

  Input:
    KEYS[1] when the sample message was taken "<base>c:<id>:s:msgAt"
    KEYS[2] .. KEYS[6] the lists: subjects, link domains, attachments, sender domains, client networks

    ARGV[1] ttl, seconds
    ARGV[2] maxValues: the values each list keeps
    ARGV[3] now, Unix ms (the values' score, and msgAt)
    ARGV[4] 1 when the message was sent beside this script, else 0
    ARGV[5] .. the lists in KEYS order, each as its number of values, then the values

  Output: 0.
]]

local ttl = tonumber(ARGV[1])
local keep = tonumber(ARGV[2])
local now = ARGV[3]
if ARGV[4] == "1" then
  redis.call("SET", KEYS[1], now, "EX", ttl, "NX")
end
local at = 5
for list = 2, 6 do
  local count = tonumber(ARGV[at])
  at = at + 1
  if count > 0 then
    local members = {}
    for i = 0, count - 1 do
      members[2 * i + 1] = now
      members[2 * i + 2] = ARGV[at + i]
    end
    redis.call("ZADD", KEYS[list], unpack(members))
    redis.call("ZREMRANGEBYRANK", KEYS[list], 0, -(keep + 1))
    at = at + count
  end
  redis.call("EXPIRE", KEYS[list], ttl)
end
return 0
