--[[
  Match a fingerprint to its campaign (or start one) and count this copy, atomically, in one round trip.

  Input:
    KEYS[1] exact key            "<base>d<version>:<digest>"
    KEYS[2] recent campaigns     "<base>top" (sorted set: campaign id -> last seen, Unix ms)
    KEYS[3] key base             "<prefix>:{<prefix>}:" -- every other key (MinHash values m<version>:<value>,
                                 earlier versions' d2:<digest>, sh:<i>:<value> and d:<digest>, campaigns c:<id>, the
                                 sketch of one seen once c:<id>:k, their buckets c:<id>:n, c:<id>:r|s|i:<bucket>,
                                 copies per campaign per bucket hot:<bucket>, the id sequence seq) is built from it
                                 and carries the same hash tag, so all of them live in KEYS[3]'s slot.

    ARGV[1]  now, Unix ms
    ARGV[2]  window, seconds
    ARGV[3]  buckets in the window
    ARGV[4]  ttl, seconds (a campaign unseen this long is forgotten)
    ARGV[5]  the MinHash values' share that must point at one campaign (campaigns.matchShare)
    ARGV[6]  bulk threshold: copies
    ARGV[7]  bulk threshold: distinct recipients
    ARGV[8]  bulk threshold: distinct senders
    ARGV[9]  the exact digest
    ARGV[10] subject sample
    ARGV[11] sender (envelope, lowercased; "" for the null sender)
    ARGV[12] client IP ("" when unknown)
    ARGV[13] the store's limits: "<minVotes> <owners> <maxClaims> <maxMerges> <previousVotes> <singleMs> <recentMs>"
    ARGV[14] the MinHash values' key prefix, "m<version>:"
    ARGV[15] the MinHash values, packed ("" when none; includes/sampledIndex): the sketch a new campaign keeps
    ARGV[16] the sampled ones (the caller picks them: includes/sampledIndex), decimal and space-separated
    ARGV[17..20] the earlier versions' keys (includes/findEarlier)
    ARGV[21] r = number of recipients, then r recipients (distinct, lowercased; at most the caller's cap)

  Output: the campaign view (includes/campaignView.lua), then how the campaign was found ("minhash", "direct",
  "previous" or "new") and the number of campaigns merged into it by this copy.

  Matching (includes/findCampaign, includes/sampledIndex): the campaigns the sampled values name that pass the
  verification on the whole sketch (matchShare of the values that are not common); when several, they merge
  (includes/chooseCampaign); else the campaign of the exact key; else, while fingerprints carry the earlier
  versions' keys, the campaign those point to (includes/findEarlier: a campaign of before an upgrade, then keyed by
  this version too, and the keys a block keeps alive are this version's); else a new campaign. Then the values and
  the exact key are pointed at the campaign: a sampled value joins its list of owners while the list has room and
  the campaign has claimed fewer than maxClaims values; values already the campaign's are renewed once per
  bucket. The values a campaign's first copy claims where no key holds them go to the current generation
  (includes/valueIndex: they live one to two singleMs); the rest have their own keys, living singleMs while the
  campaign has one copy, else ttl (as the exact key), or as long as a block holds. The store's record of the
  versions it holds keys of (includes/versionRecord) is kept past the longest of them.

  A repeat (exactCampaign): a copy whose exact key points at a live campaign, and whose very sketch a vote found
  that campaign alone earlier in the same bucket, is that campaign without a vote: the vote would name it again,
  and its values are not due (the bucket's first copy and the second copy renew them; the voted copy claimed those it
  could). The votes of a bucket are remembered per campaign, by the sketch's digest (`c:<id>:v:<bucket>`, at most
  VOTES_REMEMBERED sketches, gone with the bucket), so each of a campaign's distinct messages repeats, not only the
  one whose sketch it keeps. Most copies of a flood are repeats, and the vote is most of what a known copy costs
  Redis. A campaign that a repeat's vote would merge it with, made since the vote, merges at the next bucket's first
  copy or at the first copy that differs, if the index still names both then.
]]
--- @include "includes/readArgs"
--- @include "includes/resolveCampaign"
--- @include "includes/valueIndex"
--- @include "includes/findCampaign"
--- @include "includes/sampledIndex"
--- @include "includes/findEarlier"
--- @include "includes/personDecision"
--- @include "includes/verdictLinks"
--- @include "includes/mergeCampaigns"
--- @include "includes/chooseCampaign"
--- @include "includes/campaignView"
--- @include "includes/versionRecord"

-- What a copy's exact key says of it (see the header, "A repeat"): the live campaign the key points at (nil when
-- none), and the digest of the copy's sketch (nil when it has none, or no campaign) and whether a vote of this very
-- sketch found that campaign alone in this bucket. Most mail has no campaign: no digest is made for it.
local function exactCampaign(base, holder, cache, packed, prefix, votesKey)
  local id = resolveCampaign(base, holder, cache)
  if not id or packed == "" then
    return id, nil, false
  end
  local digest = string.sub(redis.sha1hex(prefix .. packed), 1, 16)
  return id, digest, redis.call("HEXISTS", votesKey(id), digest) == 1
end

-- Sketches whose vote is remembered per campaign and bucket at most: a personalised flood gives every copy a sketch
-- of its own, which a vote is needed for anyway, and must not grow the record without bound.
local VOTES_REMEMBERED = 256

local directKey, topKey, base = KEYS[1], KEYS[2], KEYS[3]
local now = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2]) * 1000
local buckets = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local share = tonumber(ARGV[5])
local bulk = { copies = tonumber(ARGV[6]), recipients = tonumber(ARGV[7]), senders = tonumber(ARGV[8]) }
local digest, subject, sender, clientIp = ARGV[9], ARGV[10], ARGV[11], ARGV[12]
local minVotes, owners, maxClaims, maxMerges, previousVotes, singleMs, recentMs = unpack(readNumbers(ARGV[13]))
local prefix = ARGV[14]

local lists = argLists(15)
local sketch = readSketch(lists)
local earlier = readEarlier(lists)
local recipients = lists.next()

local bucketMs = math.floor(windowMs / buckets)
local bucket = math.floor(now / bucketMs)
local cache = {}

local since = now - recentMs
-- Read once: nothing but the write at the end of the script sets the exact key.
local holder = redis.call("GET", directKey)
local function votesKey(id)
  return base .. "c:" .. id .. ":v:" .. bucket
end
local exactId, sketchDigest, repeated = exactCampaign(base, holder, cache, sketch.packed, prefix, votesKey)
local candidates, valueKeys, holders, lists, keyed, resolved, merged
local id, foundBy = nil, "direct"
if repeated then
  id = exactId
  candidates, valueKeys, holders, lists, keyed, resolved, merged = {}, {}, {}, {}, {}, true, {}
else
  -- The sampled values vote (includes/sampledIndex); the campaigns they name are verified on the whole sketch.
  candidates, valueKeys, holders, lists, keyed, resolved =
    findSampled(base, prefix, sketch, share, minVotes, owners, cache, now, singleMs, since)
  id, merged = chooseCampaign(base, candidates, now, bucketMs, buckets, ttl, maxMerges)
  foundBy = "minhash"
  if not id then
    id, foundBy = exactId, "direct"
  end
end
local sampled = sketch.sampled
if not id then
  local function vote(values, valuePrefix)
    return (voteCampaigns(base, valuePrefix, values, share, minVotes, owners, cache, now, singleMs, since))
  end
  id, foundBy = findEarlier(base, earlier, vote, previousVotes, cache), "previous"
end
local created, taken = false, false
-- The fields of the view a new campaign's hash was written with, when nothing else of the campaign can exist (see
-- campaignView: no other bucket, HyperLogLog or field).
local fresh = nil
if not id then
  foundBy = "new"
  id = string.sub(redis.sha1hex(digest), 1, 12)
  taken = campaignExists(base, id)
  if taken then
    id = string.sub(redis.sha1hex(digest .. ":" .. redis.call("INCR", base .. "seq")), 1, 12)
  end
  created = true
  -- Written whole, with this copy counted and the keys a block keeps alive (below): nothing of it needs reading.
  -- Its sketch is kept apart while it is seen once (includes/sampledIndex), as long as its values can be read: one
  -- generation and the next (includes/valueIndex), or their own keys' singleMs.
  local hashKey = base .. "c:" .. id
  local sketchField, sketchValue = "minhash2", sketch.packed
  if sketch.packed ~= "" and singleMs < ttl * 1000 then
    sketchField, sketchValue = SKETCH_APART, 1
    redis.call("SET", sketchKey(hashKey), sketch.packed, "PX", math.min(2 * singleMs, ttl * 1000))
  end
  redis.call("HSET", hashKey, "first", now, "last", now, "total", 1, "since", 1, "scanAt", 0, "subject", subject,
    "direct2", directKey, sketchField, sketchValue, "prefix2", prefix)
  -- Its hash did not exist, so neither do its counts: they expire with it (every copy renews both by keepMs), and
  -- its HyperLogLogs before it when a bucket's life is no longer than the ttl, since each copy writes them.
  if not taken and bucketMs * (buckets + 1) <= ttl * 1000 then
    fresh = { first = now, last = now, total = 1, since = 1, scanAt = 0, subject = subject }
    -- What its HyperLogLogs (written below) count where that is certain: one value, or none (the caller's
    -- recipients are distinct). A one-key PFCOUNT would read the same.
    fresh.distinct = { r = #recipients <= 1 and #recipients or nil, s = 1, i = clientIp == "" and 0 or 1 }
  end
  -- Every owner list was read while it did not exist: it owns none of the values, whatever ids the lists name.
  -- A list as written (voteCampaigns) of fewer ids than `owners` has room whoever of them is alive; a full one is
  -- resolved to see.
  cache[id] = false
  if not resolved then
    resolveLists(base, lists, holders, cache, since, owners)
  end
elseif not resolved then
  resolveLists(base, lists, holders, cache, since, 1)
end
local ckey = base .. "c:" .. id
-- A new campaign has no block and has claimed no value yet.
local total, blockUntil, claims = 1, 0, 0
if not created then
  local held = redis.call("HMGET", ckey, "blockUntil", "claims", SKETCH_APART)
  blockUntil, claims = tonumber(held[1] or "0"), tonumber(held[2] or "0")
  -- Seen more than once now (or merged with another just now): its sketch (this copy's when the first one's is gone)
  -- lives with its hash.
  if held[3] then
    sketchIntoHash(ckey, sketch.packed ~= "" and sketch.packed or nil)
  end
  -- The keys a block keeps alive: the exact key and the values of the campaign's first copy of this version (of a
  -- campaign of an earlier version found by its keys, this copy's: they replace that version's).
  if foundBy == "previous" or redis.call("HSETNX", ckey, "direct2", directKey) == 1 then
    -- A sketch of this version it had is still verified on (includes/sampledIndex).
    local kept = redis.call("HMGET", ckey, "minhash2", "prefix2")
    if kept[1] and kept[2] == prefix then
      keepOtherSketches(ckey, { kept[1] })
    end
    redis.call("HSET", ckey, "direct2", directKey, "minhash2", sketch.packed, "prefix2", prefix)
  end
  -- Count this copy.
  total = redis.call("HINCRBY", ckey, "total", 1)
  redis.call("HINCRBY", ckey, "since", 1)
  if tonumber(redis.call("HGET", ckey, "last") or "0") < now then
    redis.call("HSET", ckey, "last", now)
  end
end
-- The vote found the exact key's campaign alone: this sketch's repeats skip the vote in this bucket.
if foundBy == "minhash" and sketchDigest and id == exactId and #candidates == 1 then
  local votes = votesKey(id)
  if redis.call("HLEN", votes) < VOTES_REMEMBERED then
    redis.call("HSET", votes, sketchDigest, 1)
    redis.call("PEXPIRE", votes, (bucket + 1) * bucketMs - now)
  end
end
local nkey = ckey .. ":n"
local copiesInBucket = redis.call("HINCRBY", nkey, bucket, 1)
local firstInBucket = copiesInBucket == 1

-- Keep the campaign and its pointers for ttl after this copy, and at least as long as a block holds.
local keepMs = ttl * 1000
if blockUntil - now > keepMs then
  keepMs = blockUntil - now
end
-- This version's keys live until then at most (a generation hash may outlive a short ttl).
local version = versionOf(prefix)
if version then
  keepVersion(base, version, now + math.max(keepMs, 3 * singleMs), ttl * 1000)
end
local valueMs = keepMs
if total == 1 and singleMs < valueMs then
  valueMs = singleMs
end

-- Point the values at this campaign (see the header). A list is rewritten with its live owners only.
-- Values already the campaign's are renewed once per bucket, and when its second copy ends its first's short life.
local renew = firstInBucket or total == 2
local single = total == 1 and valueMs == singleMs
local genValues, genLists, generationWrites = {}, {}, 0
local function write(i, list)
  if single and not keyed[i] then
    generationWrites = generationWrites + 1
    genValues[generationWrites], genLists[generationWrites] = sampled[i], list
    return
  end
  local ms = valueMs
  if keyed[i] then
    ms = math.max(ms, redis.call("PTTL", valueKeys[i]))
  end
  redis.call("SET", valueKeys[i], list, "PX", ms)
end
local function canonical(ids)
  return #ids == 1 and ids[1] or table.concat(ids, " ")
end
for i = 1, #valueKeys do
  local ids = holders[i]
  local n = #ids
  local mine = false
  for k = 1, created and 0 or n do
    mine = mine or ids[k] == id
  end
  if mine then
    local list = canonical(ids)
    if renew or list ~= lists[i] then
      write(i, list)
    end
  elseif n < owners and claims < maxClaims then
    write(i, n == 0 and id or canonical(ids) .. " " .. id)
    claims = claims + 1
  end
end
writeGenerations(base, prefix, now, singleMs, genValues, genLists)
redis.call("HSET", ckey, "claims", claims)
-- The exact key: ours, renewed once per bucket, or taken when nobody live holds it.
local owner = resolveCampaign(base, holder, cache)
if owner == nil or (owner == id and (firstInBucket or holder ~= id)) then
  redis.call("SET", directKey, id, "PX", keepMs)
end

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
-- Its history and reports live as long as it does (renewed once per bucket, like the pointers); a campaign this
-- copy started has neither.
if firstInBucket and not (created and not taken) then
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
-- Its expiry is set by the copy that makes it (the one campaign in it): a ranking is read for `buckets` buckets
-- from its own, and it lives `buckets + 1` from its first copy; a merge adds only to one that exists.
local ranked = redis.call("ZCARD", hotKey)
if ranked > HOT_PER_BUCKET then
  redis.call("ZPOPMIN", hotKey, math.min(ranked - HOT_PER_BUCKET, 64))
elseif ranked == 1 then
  redis.call("PEXPIRE", hotKey, bucketTtlMs)
end

local view = campaignView(base, id, now, bucketMs, buckets, bulk, created, true, changed, fresh)
view[#view + 1] = foundBy
view[#view + 1] = #merged
return view
