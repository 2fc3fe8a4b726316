--[[
  The campaign of a fingerprint version before the current one, by the keys of those versions a fingerprint carries
  (fingerprint.previousVersion: src/fingerprint/version-two.ts, previous-version.ts) while a store may still hold
  campaigns keyed by them: after an upgrade, a campaign blocked or judged before it keeps matching, and the caller
  keys it by the current version from then on. Needs includes/readArgs and includes/findCampaign.

  readEarlier(lists) -> the earlier keys, read by an argLists reader from four arguments in this order:
            version 2's MinHash values, space-separated (none when it has none)
            version 2's exact digest ("" when none)
            version 1's MinHash values (none or 32), space-separated
            version 1's exact digest ("" when none)

  findEarlier(base, earlier, vote, previousVotes, cache) -> the campaign id, or nil
    vote           function(values, prefix) -> the candidates of includes/findCampaign's voteCampaigns for values
                   of the value index `prefix` (each version keeps its own: src/reputation/keys.ts)
    previousVotes  positions of version 1's 32 that must agree
  In order: version 2's values in its index "m2:" (the campaign with most votes), its exact key "<base>d2:<digest>",
  version 1's positional values "<base>sh:<i>:<value>" (`previousVotes` of them pointing at one campaign), its exact
  key "<base>d:<digest>".
]]
local function readEarlier(lists)
  local earlier = {}
  earlier.values2 = lists.words()
  earlier.digest2 = lists.one()
  earlier.values1 = lists.words()
  earlier.digest1 = lists.one()
  return earlier
end

local function findPrevious(base, values, votes, cache)
  if #values == 0 then
    return nil
  end
  local keys = {}
  for i = 1, #values do
    keys[i] = base .. "sh:" .. (i - 1) .. ":" .. values[i]
  end
  local tally = {}
  for _, raw in ipairs(redis.call("MGET", unpack(keys))) do
    local id = raw and resolveCampaign(base, raw, cache)
    if id then
      tally[id] = (tally[id] or 0) + 1
    end
  end
  local best, bestVotes = nil, 0
  for id, n in pairs(tally) do
    if n > bestVotes or (n == bestVotes and id < best) then
      best, bestVotes = id, n
    end
  end
  if bestVotes >= votes then
    return best
  end
  return nil
end

local function findEarlier(base, earlier, vote, previousVotes, cache)
  if #earlier.values2 > 0 then
    local candidates = vote(earlier.values2, "m2:")
    if #candidates > 0 then
      return candidates[1][1]
    end
  end
  if earlier.digest2 ~= "" then
    local id = findDirect(base, base .. "d2:" .. earlier.digest2, cache)
    if id then
      return id
    end
  end
  local id = findPrevious(base, earlier.values1, previousVotes, cache)
  if not id and earlier.digest1 ~= "" then
    id = findDirect(base, base .. "d:" .. earlier.digest1, cache)
  end
  return id
end
