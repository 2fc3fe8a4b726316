--[[
  Shared by match and lookup: the campaign a fingerprint matches, without counting or merging anything, by the rule
  observe applies (the values, then the exact key, then the earlier versions' keys). Needs includes/resolveCampaign,
  includes/valueIndex, includes/findCampaign, includes/sampledIndex, includes/findEarlier and includes/readArgs.

  matchWithoutWriting(base, directKey, from, now) -> id, how it was found ("minhash", "direct", "previous"), the ids of
  every campaign the values matched (an observation would merge them); nil when nothing matches.
    now   Unix ms (which generations of values are read)
    from  the index of the first of these ARGV:
            the MinHash values' share that must point at one campaign (campaigns.matchShare)
            the store's limits: "<minVotes> <owners> <maxClaims> <maxMerges> <previousVotes> <singleMs> <recentMs>"
            the MinHash values' key prefix, "m<version>:"
            the MinHash values, space-separated ("" when none); the sampled ones (includes/sampledIndex
              readSketch)
            the earlier versions' keys, four arguments (includes/findEarlier)
]]
local function matchWithoutWriting(base, directKey, from, now)
  local share = tonumber(ARGV[from])
  local limit = readNumbers(ARGV[from + 1])
  local minVotes, owners, previousVotes, singleMs, recentMs = limit[1], limit[2], limit[5], limit[6], limit[7]
  local prefix = ARGV[from + 2]
  local lists = argLists(from + 3)
  local sketch = readSketch(lists)
  local earlier = readEarlier(lists)

  local cache = {}
  local function vote(values, valuePrefix)
    return (voteCampaigns(base, valuePrefix, values, share, minVotes, owners, cache, now, singleMs, now - recentMs))
  end
  local candidates = findSampled(base, prefix, sketch, share, minVotes, owners, cache, now, singleMs, now - recentMs)
  if #candidates > 0 then
    local ids = {}
    for i, candidate in ipairs(candidates) do
      ids[i] = candidate[1]
    end
    return candidates[1][1], "minhash", ids
  end
  local id = findDirect(base, directKey, cache)
  if id then
    return id, "direct", { id }
  end
  id = findEarlier(base, earlier, vote, previousVotes, cache)
  if id then
    return id, "previous", { id }
  end
  return nil
end
