--[[
  The prototype's verification (benchmarks/store-designs.ts): a campaign found through the index (a subsample of
  the MinHash values, or LSH bands of them) is joined only when the message's whole sketch and the sketch the
  campaign keeps (field minhash2 of its hash: its first copy's; with `kept` 2, also minhash2b: its second copy's)
  share votesNeeded of their values, the offline rule (src/fingerprint/minhash.ts sameCampaign), values the index
  knows to be common text left out of both.
  Needs includes/readArgs (splitWords) and includes/findCampaign (votesNeeded).

  commonValues(values, holders, owners) -> the index values whose owner list is full (common text), as a set
  verifyCandidates(base, candidates, sketch, common, share, minVotes, limit, kept, scale, commonKey) -> the
    candidates (most votes first, at most `limit` of them looked at) one of whose kept sketches passes the rule;
    with `commonKey`, the sketch's values in that set (values known common) are left out too (one SMISMEMBER, only
    when there is a candidate); with `scale` > 0, each common index value the two sketches share stands for `scale`
    more common values among those the index does not see, taken off the agreement and the live count
  fillCommon(base, commonKey, ids, id, threshold, keepMs): when an index value's owner list fills (ids and id), the
    values of at least `threshold` of those owners' kept sketches are common text: added to the set
]]
local function fillCommon(base, commonKey, ids, id, threshold, keepMs)
  local counts, found = {}, {}
  local owners = { id }
  for k = 1, #ids do
    owners[#owners + 1] = ids[k]
  end
  for k = 1, #owners do
    local text = redis.call("HGET", base .. "c:" .. owners[k], "minhash2")
    if text then
      for _, value in ipairs(splitWords(text)) do
        local n = (counts[value] or 0) + 1
        counts[value] = n
        if n == threshold then
          found[#found + 1] = value
        end
      end
    end
  end
  if #found > 0 then
    redis.call("SADD", commonKey, unpack(found))
    redis.call("PEXPIRE", commonKey, keepMs)
  end
end

local function commonValues(values, holders, owners)
  local common = {}
  for i = 1, #values do
    if #holders[i] >= owners then
      common[values[i]] = true
    end
  end
  return common
end

local function passes(text, mine, commonMine, size, common, share, minVotes, scale)
  local theirs = splitWords(text)
  local agree, commonTheirs = 0, 0
  for _, value in ipairs(theirs) do
    if common[value] then
      commonTheirs = commonTheirs + 1
    elseif mine[value] then
      agree = agree + 1
    end
  end
  agree = agree - scale * commonTheirs
  local live = math.min(size - (1 + scale) * commonMine, #theirs - (1 + scale) * commonTheirs)
  return live > 0 and agree >= votesNeeded(live, share, minVotes)
end

local function verifyCandidates(base, candidates, sketch, common, share, minVotes, limit, kept, scale, commonKey)
  if #candidates == 0 then
    return candidates
  end
  if commonKey then
    local known = redis.call("SMISMEMBER", commonKey, unpack(sketch))
    for i = 1, #sketch do
      if known[i] == 1 then
        common[sketch[i]] = true
      end
    end
  end
  local mine, commonMine = {}, 0
  for i = 1, #sketch do
    mine[sketch[i]] = true
    if common[sketch[i]] then
      commonMine = commonMine + 1
    end
  end
  local out = {}
  for k = 1, math.min(#candidates, limit) do
    local key = base .. "c:" .. candidates[k][1]
    local texts = kept > 1 and redis.call("HMGET", key, "minhash2", "minhash2b") or { redis.call("HGET", key, "minhash2") }
    for s = 1, kept do
      if texts[s] and passes(texts[s], mine, commonMine, #sketch, common, share, minVotes, scale) then
        out[#out + 1] = candidates[k]
        break
      end
    end
  end
  return out
end
