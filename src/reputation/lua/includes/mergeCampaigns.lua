--[[
  Shared by observe (needs includes/sampledIndex): merge one campaign into another, so that a campaign split in
  two (its first copies matched nothing, a later one matched both) counts as one from then on.

  mergeCampaign(base, from, into, now, bucketMs, buckets, ttl)
    The copies (all and per bucket), distinct recipients, senders and client IPs (the HyperLogLogs of the live
    buckets, merged), the copies since the last scan and the busiest-list scores move to `into`; the first and last
    sighting widen; a scanner's verdict moves when `into` has none (a spam verdict wins over a ham or unsure one), with
    the links it covers (includes/verdictLinks); `from`
    then keeps only `alias` (= into) and `first` for the campaign ttl, longer than any pointer written to it can
    live, so every pointer, header or job naming it finds `into`. `into` keeps `from`'s kept sketches beside its own
    (includes/sampledIndex keepOtherSketches), so that copies of `from`'s text, found through values that now name
    `into`, still pass the verification. Neither may carry a person's decision
    (includes/personDecision): the caller checks. The caller renews `into`'s expiry after (it counts a copy), and
    moves `into`'s own sketch into its hash if it is kept apart (includes/sampledIndex).
]]
local function mergeCampaign(base, from, into, now, bucketMs, buckets, ttl)
  local fkey, ikey = base .. "c:" .. from, base .. "c:" .. into
  local flat = redis.call("HGETALL", fkey)
  local f = {}
  for i = 1, #flat, 2 do
    f[flat[i]] = flat[i + 1]
  end
  local i = {}
  local mine = redis.call("HMGET", ikey, "first", "last", "v", "bulkSince", "vLinks", "spamLinks")
  i.first, i.last, i.v, i.bulkSince = tonumber(mine[1] or "0"), tonumber(mine[2] or "0"), mine[3], mine[4]
  i.vLinks, i.spamLinks = mine[5], mine[6]

  redis.call("HINCRBY", ikey, "total", tonumber(f.total or "0"))
  redis.call("HINCRBY", ikey, "since", tonumber(f.since or "0"))
  redis.call("HINCRBY", ikey, "claims", tonumber(f.claims or "0"))
  redis.call("HINCRBY", ikey, "merged", 1 + tonumber(f.merged or "0"))
  local first, last = tonumber(f.first or "0"), tonumber(f.last or "0")
  if first > 0 and first < i.first then
    redis.call("HSET", ikey, "first", first)
  end
  if last > i.last then
    redis.call("HSET", ikey, "last", last)
  end
  local fBulk = tonumber(f.bulkSince or "0")
  if fBulk > 0 and (not i.bulkSince or fBulk < tonumber(i.bulkSince)) then
    redis.call("HSET", ikey, "bulkSince", fBulk)
  end
  local moved = f.v and (not i.v or (f.v == "spam" and i.v ~= "spam"))
  if moved then
    redis.call("HSET", ikey, "v", f.v, "vScore", f.vScore or "", "vScanner", f.vScanner or "", "vAt", f.vAt or "0",
      "vThreshold", f.vThreshold or "", "vRules", f.vRules or "")
  end
  mergeLinks(ikey, f, i, moved)

  -- Windowed counts: copies per bucket, the HyperLogLogs of the live buckets, the busiest lists.
  local current = math.floor(now / bucketMs)
  local oldest = current - buckets + 1
  local bucketTtlMs = bucketMs * (buckets + 1)
  local counts = redis.call("HGETALL", fkey .. ":n")
  for c = 1, #counts, 2 do
    if tonumber(counts[c]) >= oldest then
      redis.call("HINCRBY", ikey .. ":n", counts[c], tonumber(counts[c + 1]))
    end
  end
  local gone = { fkey .. ":n", sketchKey(fkey) }
  for _, kind in ipairs({ "r", "s", "i" }) do
    for b = oldest, current do
      local src = fkey .. ":" .. kind .. ":" .. b
      if redis.call("EXISTS", src) == 1 then
        local dst = ikey .. ":" .. kind .. ":" .. b
        redis.call("PFMERGE", dst, dst, src)
        redis.call("PEXPIRE", dst, bucketTtlMs)
        gone[#gone + 1] = src
      end
    end
  end
  for b = oldest, current do
    local hot = base .. "hot:" .. b
    -- A bucket's ranking holds each campaign's exact count in it (observe's rule): `into`'s, merged above.
    if redis.call("ZSCORE", hot, from) then
      redis.call("ZADD", hot, tonumber(redis.call("HGET", ikey .. ":n", b) or "0"), into)
      redis.call("ZREM", hot, from)
    end
  end
  local sketches = { f.minhash2 or (f[SKETCH_APART] and redis.call("GET", sketchKey(fkey))) or false }
  for k, field in ipairs(MERGED_SKETCHES) do
    sketches[k + 1] = f[field] or false
  end
  keepOtherSketches(ikey, sketches)
  redis.call("HDEL", ikey, "cb")
  redis.call("ZREM", base .. "top", from)
  redis.call("ZADD", base .. "top", "GT", math.max(last, i.last), into)

  redis.call("DEL", fkey, unpack(gone))
  redis.call("HSET", fkey, "alias", into, "first", first)
  redis.call("PEXPIRE", fkey, ttl * 1000)
end
