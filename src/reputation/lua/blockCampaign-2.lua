--[[
  Block a campaign until a time; every Floodgate sharing this Redis sees it at its next observation.

  Input:
    KEYS[1] the campaign hash "<base>c:<id>"
    KEYS[2] the key base "<prefix>:{<prefix>}:" (the pointers below are built from it, in KEYS[1]'s slot)

    ARGV[1] now, Unix ms
    ARGV[2] block until, Unix ms
    ARGV[3] the campaign id

  Output: 1 when blocked, 0 when the campaign does not exist.
  The campaign, its copy buckets and the pointers that match copies to it (its exact digest and the MinHash
  values of its first copy, where they still point at it) are kept at least until the block ends, so a block longer
  than the campaign ttl still stops the copies that arrive after a quiet spell.
]]
local ckey, base = KEYS[1], KEYS[2]
local now, untilMs, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
if redis.call("EXISTS", ckey) == 0 then
  return 0
end
redis.call("HSET", ckey, "blockUntil", untilMs)
local keep = untilMs - now

local function keepAtLeast(key)
  if redis.call("PTTL", key) < keep then
    redis.call("PEXPIRE", key, keep)
  end
end
keepAtLeast(ckey)
keepAtLeast(ckey .. ":n")

local function keepPointer(key)
  if redis.call("GET", key) == id then
    keepAtLeast(key)
  end
end
-- "direct" holds the exact-digest key (version 1 campaigns: the digest) and "shp" the MinHash values' key
-- prefix (version 1 campaigns have none: their keys carry the value's position).
local direct = redis.call("HGET", ckey, "direct")
if direct then
  keepPointer(string.find(direct, ":", 1, true) and direct or base .. "d:" .. direct)
end
local prefix = redis.call("HGET", ckey, "shp")
local i = 0
for value in string.gmatch(redis.call("HGET", ckey, "minhash") or "", "%S+") do
  keepPointer(base .. (prefix or ("sh:" .. i .. ":")) .. value)
  i = i + 1
end
return 1
