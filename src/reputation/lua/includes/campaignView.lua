--[[
  Shared by the scripts that return campaigns: read one campaign and compute its windowed counts and state.

  base        the key base "<prefix>:{<prefix>}:" every key is built from
  id          the campaign id
  now         Unix ms
  bucketMs    width of one counting bucket (window / buckets)
  buckets     live buckets (the sliding window)
  bulk        { copies = n, recipients = n, senders = n } thresholds
  created     true when this observation started the campaign
  update      true on the write path: drop stale copy buckets, keep bulkSince in step with the counts, and cache
              the distinct counts (fields rc, sc, ic for bucket cb)
  changed     on the write path, { r = bool, s = bool, i = bool }: whether this copy's PFADD changed that kind's
              HyperLogLog. A multi-key PFCOUNT merges the live buckets (up to ~200 us once they are dense), so an
              unchanged kind reuses the count cached for the same bucket: it cannot have moved.
  fresh       for a campaign this observation created, the fields it wrote (else nil): nothing else of it can
              exist, so they, one copy in the current bucket and that bucket's HyperLogLogs alone are its counts
              (a one-key PFCOUNT counts the same registers as the union and keeps its count in the key). Most mail
              is seen once, and a union of six buckets builds a full HyperLogLog for every kind. fresh.distinct:
              the counts the caller knows without a PFCOUNT (a kind of one value or none), by kind.

  State: who judged it (includes/judgedState.lua: a block, an operator, a scanner's spam, users' reports, a scanner's
  ham; "unsure" judges nothing); else bulk or new from the counts.

  Returns nil for a campaign that does not exist, else the flat view array:
  { id, created, state, copies, recipients, senders, clientIps, totalCopies, firstSeen, lastSeen, subject,
    verdict, verdictScore, verdictScanner, verdictAt, blockedUntil, copiesSinceScan, lastScanQueuedAt, bulkSince,
    verdictThreshold, verdictRules, decision, decisionHow, decisionBy, decisionWhy, decisionAt, reportsSpam,
    reportsHam, merged, hamLinks, spamLinks }
  hamLinks and spamLinks only while the state is ham, the one state they bear on (includes/verdictLinks.lua):
  hamLinks is false (a nil reply) when the ham verdict covers every copy; a flood's copies of a blocked or spam
  campaign do not carry them to the mail path.
]]
--- @include "includes/judgedState"

local function copiesInWindow(nkey, oldest, update)
  local counts = redis.call("HGETALL", nkey)
  local copies = 0
  local stale = {}
  for i = 1, #counts, 2 do
    if tonumber(counts[i]) >= oldest then
      copies = copies + tonumber(counts[i + 1])
    else
      stale[#stale + 1] = counts[i]
    end
  end
  if update and #stale > 0 then
    redis.call("HDEL", nkey, unpack(stale))
  end
  return copies
end

local function campaignView(base, id, now, bucketMs, buckets, bulk, created, update, changed, fresh)
  local ckey = base .. "c:" .. id
  local f = fresh
  if not f then
    local flat = redis.call("HGETALL", ckey)
    if #flat == 0 then
      return nil
    end
    f = {}
    for i = 1, #flat, 2 do
      f[flat[i]] = flat[i + 1]
    end
  end

  local current = math.floor(now / bucketMs)
  local oldest = fresh and current or current - buckets + 1
  local copies = fresh and 1 or copiesInWindow(ckey .. ":n", oldest, update)

  local cacheValid = update and tonumber(f.cb or "") == current
  local cache = {}
  local function distinct(kind)
    if cacheValid and not changed[kind] and f[kind .. "c"] then
      return tonumber(f[kind .. "c"])
    end
    local known = fresh and fresh.distinct and fresh.distinct[kind]
    if known then
      cache[#cache + 1] = kind .. "c"
      cache[#cache + 1] = known
      return known
    end
    local keys = {}
    for b = oldest, current do
      keys[#keys + 1] = ckey .. ":" .. kind .. ":" .. b
    end
    local n = redis.call("PFCOUNT", unpack(keys))
    cache[#cache + 1] = kind .. "c"
    cache[#cache + 1] = n
    return n
  end
  local recipients = distinct("r")
  local senders = distinct("s")
  local clientIps = distinct("i")
  if update and #cache > 0 then
    redis.call("HSET", ckey, "cb", current, unpack(cache))
  end

  local isBulk = copies >= bulk.copies or recipients >= bulk.recipients or senders >= bulk.senders
  local bulkSince = tonumber(f.bulkSince or "0") or 0
  if update then
    if isBulk and bulkSince == 0 then
      bulkSince = now
      redis.call("HSET", ckey, "bulkSince", now)
    elseif not isBulk and bulkSince > 0 then
      bulkSince = 0
      redis.call("HDEL", ckey, "bulkSince")
    end
  end

  local blockedUntil = tonumber(f.blockUntil or "0") or 0
  local state = judgedState(f.blockUntil, f.d, f.dHow, f.v, now) or (isBulk and "bulk" or "new")
  local hamLinks, spamLinks = false, ""
  if state == "ham" then
    hamLinks, spamLinks = f.vLinks or false, f.spamLinks or ""
  end

  return {
    id, created and 1 or 0, state, copies, recipients, senders, clientIps,
    tonumber(f.total or "0") or 0, tonumber(f.first or "0") or 0, tonumber(f.last or "0") or 0, f.subject or "",
    f.v or "", f.vScore or "", f.vScanner or "", tonumber(f.vAt or "0") or 0,
    blockedUntil, tonumber(f.since or "0") or 0, tonumber(f.scanAt or "0") or 0, bulkSince,
    f.vThreshold or "", f.vRules or "", f.d or "", f.dHow or "", f.dBy or "", f.dWhy or "",
    tonumber(f.dAt or "0") or 0, tonumber(f.rSpam or "0") or 0, tonumber(f.rHam or "0") or 0,
    tonumber(f.merged or "0") or 0, hamLinks, spamLinks,
  }
end
