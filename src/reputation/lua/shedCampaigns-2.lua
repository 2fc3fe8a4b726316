--[[
  Forget the campaigns seen once that were last seen longest ago, to free Redis's memory before it is full
  (src/ops/store-shedder.ts): a campaign seen once and nothing more (one copy, no verdict, block, person's decision,
  report, merge or console sample) loses its hash, its sketch kept apart, its counts, its bucket's HyperLogLogs and
  ranking entry, its exact key and its entry in the list by last seen, as when its ttl runs out. Every other campaign
  keeps its hash. Most mail is seen once, so these are most of the store; a copy of one that comes later starts a
  campaign of its own, as a copy of an expired one does. A campaign of fewer copies than the bulk threshold with no
  block or person's decision loses its console samples (src/reputation/samples.ts: a view, not evidence; a message
  sample may be 256 KiB, so a flood of near-duplicate pairs fills Redis with them).

  Input:
    KEYS[1] recent campaigns "<base>top" (sorted set: campaign id -> last seen, Unix ms)
    KEYS[2] key base         "<prefix>:{<prefix>}:" (campaigns c:<id>, their keys c:<id>:..., rankings hot:<bucket>)

    ARGV[1] look after this last-seen score ("-inf" to start with the oldest): the caller's cursor
    ARGV[2] campaigns looked at, at most
    ARGV[3] a bucket's length, ms (the window / its buckets)
    ARGV[4] the bulk threshold of copies (campaigns.bulk.copies)
    ARGV[5..] the names of a campaign's console sample keys after "c:<id>:s:" (src/reputation/samples.ts)

  Output: { campaigns looked at, campaigns forgotten, the last score looked at ("" when none), campaigns whose
  samples went }.
]]
local topKey, base = KEYS[1], KEYS[2]
local after, limit, bucketMs, bulkCopies = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])

local from = after == "-inf" and "-inf" or "(" .. after
local listed = redis.call("ZRANGE", topKey, from, "+inf", "BYSCORE", "LIMIT", 0, limit, "WITHSCORES")

-- Any of these fields keeps a campaign: a verdict, a block, a person's decision, reports that stand, a merge.
local KEPT_BY = { "v", "blockUntil", "d", "rSpam", "rHam", "merged", "alias" }

local function seenOnceOnly(ckey)
  local fields = redis.call("HMGET", ckey, "total", "first", "direct2", unpack(KEPT_BY))
  if fields[1] ~= "1" or not fields[2] then
    return nil
  end
  for k = 4, #fields do
    if fields[k] then
      return nil
    end
  end
  if redis.call("EXISTS", ckey .. ":s:msgAt", ckey .. ":h", ckey .. ":rep") > 0 then
    return nil
  end
  return { first = tonumber(fields[2]), direct = fields[3] }
end

local function dropSamples(ckey)
  local fields = redis.call("HMGET", ckey, "total", "blockUntil", "d")
  if fields[2] or fields[3] or (tonumber(fields[1]) or 0) >= bulkCopies then
    return 0
  end
  local keys = {}
  for k = 5, #ARGV do
    keys[#keys + 1] = ckey .. ":s:" .. ARGV[k]
  end
  return redis.call("DEL", unpack(keys)) > 0 and 1 or 0
end

local looked, forgotten, last, unsampled = 0, 0, "", 0
for k = 1, #listed, 2 do
  local id = listed[k]
  last = listed[k + 1]
  looked = looked + 1
  local ckey = base .. "c:" .. id
  local once = seenOnceOnly(ckey)
  if once then
    local bucket = math.floor(once.first / bucketMs)
    redis.call("DEL", ckey, ckey .. ":k", ckey .. ":n", ckey .. ":r:" .. bucket, ckey .. ":s:" .. bucket,
      ckey .. ":i:" .. bucket)
    if once.direct and redis.call("GET", once.direct) == id then
      redis.call("DEL", once.direct)
    end
    redis.call("ZREM", base .. "hot:" .. bucket, id)
    redis.call("ZREM", topKey, id)
    forgotten = forgotten + 1
  elseif redis.call("EXISTS", ckey) == 0 then
    -- Its hash is gone (its ttl ran out before the list was trimmed): nothing of it is left to keep.
    redis.call("ZREM", topKey, id)
  else
    unsampled = unsampled + dropSamples(ckey)
  end
end
return { looked, forgotten, last, unsampled }
