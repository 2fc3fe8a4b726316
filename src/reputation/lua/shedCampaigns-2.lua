--[[
  Forget the campaigns seen once that were last seen longest ago, to free Redis's memory before it is full
  (src/ops/store-shedder.ts): a campaign seen once and nothing more (one copy, no verdict, block, person's decision,
  report, merge or console sample) loses its hash, its sketch kept apart, its counts, its bucket's HyperLogLogs and
  ranking entry, its exact key and its entry in the list by last seen, as when its ttl runs out. Every other campaign
  is passed over. Most mail is seen once, so these are most of the store; a copy of one that comes later starts a
  campaign of its own, as a copy of an expired one does.

  Input:
    KEYS[1] recent campaigns "<base>top" (sorted set: campaign id -> last seen, Unix ms)
    KEYS[2] key base         "<prefix>:{<prefix>}:" (campaigns c:<id>, their keys c:<id>:..., rankings hot:<bucket>)

    ARGV[1] look after this last-seen score ("-inf" to start with the oldest): the caller's cursor
    ARGV[2] campaigns looked at, at most
    ARGV[3] a bucket's length, ms (the window / its buckets)

  Output: { campaigns looked at, campaigns forgotten, the last score looked at ("" when none) }.
]]
local topKey, base = KEYS[1], KEYS[2]
local after, limit, bucketMs = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

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

local looked, forgotten, last = 0, 0, ""
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
  end
end
return { looked, forgotten, last }
