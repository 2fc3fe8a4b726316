--[[
  Match a fingerprint to its campaign (or start one) and count this copy, atomically, in one round trip.

  Input:
    KEYS[1] exact-digest key     "<base>d:<digest>"
    KEYS[2] recent campaigns     "<base>top" (sorted set: campaign id -> last seen, Unix ms)
    KEYS[3] key base             "<prefix>:{<prefix>}:" -- every other key (shingles sh:<i>:<value>, campaigns
                                 c:<id>, their buckets c:<id>:n, c:<id>:r|s|i:<bucket>, copies per campaign per
                                 bucket hot:<bucket>, the id sequence seq) is built from it and carries the same
                                 hash tag, so all of them live in KEYS[3]'s slot.

    ARGV[1]  now, Unix ms
    ARGV[2]  window, seconds
    ARGV[3]  buckets in the window
    ARGV[4]  ttl, seconds (a campaign unseen this long is forgotten)
    ARGV[5]  votes needed to join by MinHash
    ARGV[6]  bulk threshold: copies
    ARGV[7]  bulk threshold: distinct recipients
    ARGV[8]  bulk threshold: distinct senders
    ARGV[9]  the exact digest
    ARGV[10] subject sample
    ARGV[11] sender (envelope, lowercased; "" for the null sender)
    ARGV[12] client IP ("" when unknown)
    ARGV[13] the MinHash values' key prefix, "s<version>:"
    ARGV[14] m = number of MinHash values, then m values
    ARGV[15+m] r = number of recipients, then r recipients (distinct, lowercased; at most the caller's cap)

  Output: the campaign view (includes/campaignView.lua).
]]
--- @include "includes/findCampaign"
--- @include "includes/campaignView"

local directKey, topKey, base = KEYS[1], KEYS[2], KEYS[3]
local now = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2]) * 1000
local buckets = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local votes = tonumber(ARGV[5])
local bulk = { copies = tonumber(ARGV[6]), recipients = tonumber(ARGV[7]), senders = tonumber(ARGV[8]) }
local digest, subject, sender, clientIp = ARGV[9], ARGV[10], ARGV[11], ARGV[12]

local prefix = ARGV[13]
local m = tonumber(ARGV[14])
local minhash = {}
for i = 1, m do
  minhash[i] = ARGV[14 + i]
end
local r = tonumber(ARGV[15 + m])
local recipients = {}
for i = 1, r do
  recipients[i] = ARGV[15 + m + i]
end

local bucketMs = math.floor(windowMs / buckets)
local bucket = math.floor(now / bucketMs)

local id, shingleKeys, current = findCampaign(base, directKey, minhash, votes, prefix)
local created = false
if not id then
  id = string.sub(redis.sha1hex(digest), 1, 12)
  if campaignExists(base, id) then
    id = string.sub(redis.sha1hex(digest .. ":" .. redis.call("INCR", base .. "seq")), 1, 12)
  end
  created = true
  redis.call("HSET", base .. "c:" .. id, "first", now, "last", now, "total", 0, "since", 0, "scanAt", 0,
    "subject", subject, "direct", directKey, "minhash", table.concat(minhash, " "), "shp", prefix)
end
local ckey = base .. "c:" .. id

-- Count this copy.
redis.call("HINCRBY", ckey, "total", 1)
redis.call("HINCRBY", ckey, "since", 1)
if tonumber(redis.call("HGET", ckey, "last") or "0") < now then
  redis.call("HSET", ckey, "last", now)
end
local nkey = ckey .. ":n"
local copiesInBucket = redis.call("HINCRBY", nkey, bucket, 1)
local firstInBucket = copiesInBucket == 1

-- Keep the campaign and its pointers for ttl after this copy, and at least as long as a block holds.
local keepMs = ttl * 1000
local blockUntil = tonumber(redis.call("HGET", ckey, "blockUntil") or "0")
if blockUntil - now > keepMs then
  keepMs = blockUntil - now
end

-- Point the shingles and the digest at this campaign, unless they belong to another live campaign. Pointers
-- already ours get their expiry renewed once per bucket, not at every copy (that would be 33 writes a message).
local function claim(key, holder)
  if (holder == id and firstInBucket) or not holder or (holder ~= id and not campaignExists(base, holder)) then
    redis.call("SET", key, id, "PX", keepMs)
  end
end
for i = 1, #shingleKeys do
  claim(shingleKeys[i], current[i])
end
claim(directKey, redis.call("GET", directKey))
local bucketTtlMs = bucketMs * (buckets + 1)
local changed = {}
-- PFADD takes the values in slices: unpack() of more than about 8,000 values overflows Lua's stack.
local PFADD_SLICE = 1000
local function distinct(kind, values)
  if #values == 0 then
    return
  end
  local key = ckey .. ":" .. kind .. ":" .. bucket
  local added = false
  for first = 1, #values, PFADD_SLICE do
    local last = math.min(first + PFADD_SLICE - 1, #values)
    if redis.call("PFADD", key, unpack(values, first, last)) == 1 then
      added = true
    end
  end
  changed[kind] = added
  redis.call("PEXPIRE", key, bucketTtlMs)
end
distinct("r", recipients)
distinct("s", { sender == "" and "<>" or sender })
if clientIp ~= "" then
  distinct("i", { clientIp })
end

redis.call("PEXPIRE", ckey, keepMs)
redis.call("PEXPIRE", nkey, keepMs)
-- Its history and reports live as long as it does (renewed once per bucket, like the pointers).
if firstInBucket then
  for _, side in ipairs({ ckey .. ":h", ckey .. ":rep" }) do
    if redis.call("PTTL", side) >= 0 and redis.call("PTTL", side) < keepMs then
      redis.call("PEXPIRE", side, keepMs)
    end
  end
end

redis.call("ZADD", topKey, now, id)
redis.call("ZREMRANGEBYSCORE", topKey, "-inf", "(" .. (now - ttl * 1000))
-- The bucket's ranking holds each campaign's exact count in the bucket, so one dropped from it comes back with its
-- true count; it keeps the HOT_PER_BUCKET busiest (the listing reads the head of each bucket, never the whole set).
local HOT_PER_BUCKET = 1000
local hotKey = base .. "hot:" .. bucket
redis.call("ZADD", hotKey, copiesInBucket, id)
local excess = redis.call("ZCARD", hotKey) - HOT_PER_BUCKET
if excess > 0 then
  redis.call("ZPOPMIN", hotKey, math.min(excess, 64))
end
redis.call("PEXPIRE", hotKey, bucketTtlMs)

return campaignView(base, id, now, bucketMs, buckets, bulk, created, true, changed)
