--[[
  The prototype's verification (benchmarks/store-designs.ts): a campaign found through the index (a subsample of
  the MinHash values, or LSH bands of them) is joined only when the message's whole sketch and the sketch the
  campaign keeps (field minhash2 of its hash: its first copy's; with `kept` 2, also minhash2b: its second copy's)
  share votesNeeded of their values, the offline rule (src/fingerprint/minhash.ts sameCampaign), values the index
  knows to be common text left out of both.
  Needs includes/readArgs (splitWords) and includes/findCampaign (votesNeeded).

  commonValues(values, holders, owners) -> the index values whose owner list is full (common text), as a set
  verifyCandidates(base, candidates, sketch, common, share, minVotes, limit, kept) -> the candidates (most votes
    first, at most `limit` of them looked at) one of whose kept sketches passes the rule
]]
local function commonValues(values, holders, owners)
  local common = {}
  for i = 1, #values do
    if #holders[i] >= owners then
      common[values[i]] = true
    end
  end
  return common
end

local function passes(text, mine, commonMine, size, common, share, minVotes)
  local theirs = splitWords(text)
  local agree, commonTheirs = 0, 0
  for _, value in ipairs(theirs) do
    if common[value] then
      commonTheirs = commonTheirs + 1
    elseif mine[value] then
      agree = agree + 1
    end
  end
  local live = math.min(size - commonMine, #theirs - commonTheirs)
  return live > 0 and agree >= votesNeeded(live, share, minVotes)
end

local function verifyCandidates(base, candidates, sketch, common, share, minVotes, limit, kept)
  if #candidates == 0 then
    return candidates
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
      if texts[s] and passes(texts[s], mine, commonMine, #sketch, common, share, minVotes) then
        out[#out + 1] = candidates[k]
        break
      end
    end
  end
  return out
end
