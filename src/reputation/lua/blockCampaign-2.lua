--[[
  Block a campaign until a time; every Floodgate sharing this Redis sees it at its next observation.

  Input:
    KEYS[1] the campaign hash "<base>c:<id>" as named (it may have been merged into another: the block applies to
            the campaign it was merged into)
    KEYS[2] the key base "<prefix>:{<prefix>}:" (the pointers below are built from it, in KEYS[1]'s slot)

    ARGV[1] now, Unix ms
    ARGV[2] block until, Unix ms
    ARGV[3] the campaign id as named
    ARGV[4] how long the values of a campaign seen once live at least, ms (a generation: includes/valueIndex)

  Output: the id of the campaign blocked, or 0 when there is none.
  The campaign, its copy buckets and the pointers that match copies to it (its exact keys and the MinHash values of
  its first copy, of version 1 and of the version it was last keyed by, where they still point at it) are kept at
  least until the block ends, so a block longer than the campaign ttl still stops the copies that arrive after a
  quiet spell. A value its first copy left in a generation hash gets a key of its own, holding the same owners.
  The store's record of the fingerprint versions it holds keys of says those versions' keys live until the block ends.
]]
--- @include "includes/readArgs"
--- @include "includes/resolveCampaign"
--- @include "includes/valueIndex"
--- @include "includes/findCampaign"
--- @include "includes/sampledIndex"
--- @include "includes/versionRecord"

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
local function names(list)
  for _, owner in ipairs(readOwners(base, list, cache)) do
    if owner == id then
      return true
    end
  end
  return false
end
local function keepPointer(key)
  local list = redis.call("GET", key)
  if list and names(list) then
    keepAtLeast(key)
  end
end
local f = redis.call("HMGET", ckey, "direct", "minhash", "direct2", "minhash2", "prefix2", SKETCH_APART)
-- A campaign seen once keeps its sketch apart for a short while (includes/sampledIndex): a block keeps it.
if f[6] then
  f[4] = sketchIntoHash(ckey, nil)
end
-- The store's record of the versions it holds keys of (includes/versionRecord): those kept here live until untilMs.
if f[1] or f[2] then
  keepVersion(base, "1", untilMs, 0)
end
if versionOf(f[5]) then
  keepVersion(base, versionOf(f[5]), untilMs, 0)
end
-- Version 1: "direct" holds the digest, "minhash" the 32 values by position.
if f[1] then
  keepPointer(base .. "d:" .. f[1])
end
local i = 0
for value in string.gmatch(f[2] or "", "%S+") do
  keepPointer(base .. "sh:" .. i .. ":" .. value)
  i = i + 1
end
-- A later version: "direct2" holds the exact key, "minhash2" the values, "prefix2" their key prefix.
if f[3] then
  keepPointer(f[3])
end
-- The index holds only the sampled values (includes/sampledIndex).
local values = sampledOfSketch(f[4])
local keys, lists, keyed = readValues(base, f[5] or "", values, now, tonumber(ARGV[4]))
for k = 1, #values do
  if lists[k] and names(lists[k]) then
    if keyed[k] then
      keepAtLeast(keys[k])
    else
      redis.call("SET", keys[k], table.concat(readOwners(base, lists[k], cache), " "), "PX", keep)
    end
  end
end
return id
