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

-- What decides a campaign's fate, read in one call: its copies, its first copy (absent: its hash is gone) and its exact
-- key; a block or a person's decision, which keep its samples too; a verdict, reports that stand or a merge.
local FIELDS = { "total", "first", "direct2", "blockUntil", "d", "v", "rSpam", "rHam", "merged", "alias" }
local SAMPLE_NAMES = { unpack(ARGV, 5) }

local function sampleKeys(ckey)
  local keys = {}
  for k, name in ipairs(SAMPLE_NAMES) do
    keys[k] = ckey .. ":s:" .. name
  end
  return keys
end

local function forget(id, ckey, first, direct)
  local bucket = math.floor(first / bucketMs)
  redis.call("DEL", ckey, ckey .. ":k", ckey .. ":n", ckey .. ":r:" .. bucket, ckey .. ":s:" .. bucket,
    ckey .. ":i:" .. bucket)
  if direct and redis.call("GET", direct) == id then
    redis.call("DEL", direct)
  end
  redis.call("ZREM", base .. "hot:" .. bucket, id)
  redis.call("ZREM", topKey, id)
end

local looked, forgotten, last, unsampled = 0, 0, "", 0
for k = 1, #listed, 2 do
  local id = listed[k]
  last = listed[k + 1]
  looked = looked + 1
  local ckey = base .. "c:" .. id
  local f = redis.call("HMGET", ckey, unpack(FIELDS))
  local total, first, direct, personal = tonumber(f[1]) or 0, f[2], f[3], f[4] or f[5]
  if not first then
    -- Its hash is gone (its ttl ran out before the list was trimmed): nothing of it is left to keep.
    redis.call("ZREM", topKey, id)
  else
    local samples = sampleKeys(ckey)
    local kept = personal or f[6] or f[7] or f[8] or f[9] or f[10]
    if total == 1 and not kept and redis.call("EXISTS", ckey .. ":h", ckey .. ":rep", unpack(samples)) == 0 then
      forget(id, ckey, tonumber(first), direct)
      forgotten = forgotten + 1
    elseif total < bulkCopies and not personal and redis.call("DEL", unpack(samples)) > 0 then
      unsampled = unsampled + 1
    end
  end
end
return { looked, forgotten, last, unsampled }
