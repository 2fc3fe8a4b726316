--[[
  Shared by observe and match: the campaigns a fingerprint matches, without writing anything.
  Needs includes/resolveCampaign.

  A MinHash value's key "<base>m<version>:<value>" holds the ids of the campaigns whose copies had it, separated
  by spaces, at most `owners` of them. A value that many campaigns hold (a full list) is common text: a mailing
  list's footer, a template. It counts for no campaign and is left out of the share, so a message joins a campaign
  by the text that is its own.

  readOwners(base, list, cache) -> the distinct live campaigns of a raw list (aliases followed), in order; the
    table is shared by every value holding the same list: the caller copies it before adding to it

  voteCampaigns(base, prefix, values, share, minVotes, owners, cache) -> candidates, keys, holders, lists
    values      the message's MinHash values (strings), possibly none
    share       the share of the values that are not common that must point at one campaign
    minVotes    at least this many (or all of them when fewer are not common)
    candidates  { {id, votes}, ... } every campaign with enough votes, most votes first (ties: smaller id)
    keys        the values' keys, lists[i] the raw value of keys[i] and holders[i] its live owners (for the caller
                to claim)

  findPrevious(base, values, votes, cache) -> the campaign of the previous version (1) that `votes` of the 32
    positional values "<base>sh:<i>:<value>" point to, or nil

  findDirect(base, key, cache) -> the live campaign an exact key points to, or nil
]]
local NO_OWNERS = {}

local function readOwners(base, list, cache)
  if not list then
    return NO_OWNERS
  end
  -- Most values of a campaign hold the same list: it is read once (the result is shared: never modify it).
  local key = "\0" .. list
  local known = cache[key]
  if known then
    return known
  end
  local out = {}
  local seen = {}
  for raw in string.gmatch(list, "%S+") do
    local id = resolveCampaign(base, raw, cache)
    if id and not seen[id] then
      seen[id] = true
      out[#out + 1] = id
    end
  end
  cache[key] = out
  return out
end

local function voteCampaigns(base, prefix, values, share, minVotes, owners, cache)
  local keys, holders, candidates = {}, {}, {}
  if #values == 0 then
    return candidates, keys, holders, {}
  end
  for i = 1, #values do
    keys[i] = base .. prefix .. values[i]
  end
  local lists = redis.call("MGET", unpack(keys))
  local tally, live = {}, 0
  for i = 1, #values do
    local ids = readOwners(base, lists[i], cache)
    holders[i] = ids
    if #ids < owners then
      live = live + 1
      for _, id in ipairs(ids) do
        tally[id] = (tally[id] or 0) + 1
      end
    end
  end
  if live == 0 then
    return candidates, keys, holders, lists
  end
  local need = math.max(math.min(minVotes, live), math.ceil(live * share))
  for id, votes in pairs(tally) do
    if votes >= need then
      candidates[#candidates + 1] = { id, votes }
    end
  end
  table.sort(candidates, function(a, b)
    return a[2] > b[2] or (a[2] == b[2] and a[1] < b[1])
  end)
  return candidates, keys, holders, lists
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

local function findDirect(base, key, cache)
  return resolveCampaign(base, redis.call("GET", key), cache)
end
