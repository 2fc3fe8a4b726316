--[[
  Block a campaign until a time; every Floodgate sharing this Redis sees it at its next observation.

  Input:
    KEYS[1] the campaign hash "<base>c:<id>" as named (it may have been merged into another: the block applies to
            the campaign it was merged into)
    KEYS[2] the key base "<prefix>:{<prefix>}:" (the pointers below are built from it, in KEYS[1]'s slot)

    ARGV[1] now, Unix ms
    ARGV[2] block until, Unix ms
    ARGV[3] the campaign id as named

  Output: the id of the campaign blocked, or 0 when there is none.
  The campaign, its copy buckets and the pointers that match copies to it (its exact keys and the MinHash values of
  its first copy, of this version and the previous one, where they still point at it) are kept at least until the
  block ends, so a block longer than the campaign ttl still stops the copies that arrive after a quiet spell.
]]
--- @include "includes/resolveCampaign"

local base = KEYS[2]
local now, untilMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local cache = {}
local id = resolveCampaign(base, ARGV[3], cache)
if not id then
  return 0
end
local ckey = base .. "c:" .. id
redis.call("HSET", ckey, "blockUntil", untilMs)
local keep = untilMs - now

local function keepAtLeast(key)
  if redis.call("PTTL", key) < keep then
    redis.call("PEXPIRE", key, keep)
  end
end
keepAtLeast(ckey)
keepAtLeast(ckey .. ":n")

-- A pointer is kept when it names this campaign, or a campaign merged into it.
local function keepPointer(key)
  local value = redis.call("GET", key)
  if not value then
    return
  end
  for owner in string.gmatch(value, "%S+") do
    if resolveCampaign(base, owner, cache) == id then
      keepAtLeast(key)
      return
    end
  end
end
local f = redis.call("HMGET", ckey, "direct", "minhash", "direct2", "minhash2", "prefix2")
-- The previous version: "direct" holds the digest, "minhash" the 32 values by position.
if f[1] then
  keepPointer(base .. "d:" .. f[1])
end
local i = 0
for value in string.gmatch(f[2] or "", "%S+") do
  keepPointer(base .. "sh:" .. i .. ":" .. value)
  i = i + 1
end
-- This version: "direct2" holds the exact key, "minhash2" the values, "prefix2" their key prefix.
if f[3] then
  keepPointer(f[3])
end
for value in string.gmatch(f[4] or "", "%S+") do
  keepPointer(base .. (f[5] or "") .. value)
end
return id
