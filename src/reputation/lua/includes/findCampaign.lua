--[[
  Shared by observe and match: the campaigns a fingerprint matches, without writing anything.
  Needs includes/resolveCampaign and includes/valueIndex.

  A MinHash value's owners (includes/valueIndex: its key, or a generation hash) are the ids of the campaigns whose
  copies had it, at most `owners` of them. A value that many campaigns hold (a full list) is common text: a mailing
  list's footer, a template. It counts for no campaign and is left out of the share, so a message joins a campaign
  by the text that is its own.

  readOwners(base, list, cache) -> the distinct live campaigns of a raw list (aliases followed), in order; the
    table is shared by every value holding the same list: the caller copies it before adding to it

  rawOwners(list, cache) -> the distinct ids of a raw list as written (dead or merged ones too), shared likewise

  resolveLists(base, lists, holders, cache, since, least): holders[i] (rawOwners of lists[i]) replaced by the live
    owners wherever it names at least `least` ids, the ids of all of them looked up at once first (resolveRecent)

  voteCampaigns(base, prefix, values, share, minVotes, owners, cache, now, singleMs, since) -> candidates, keys,
      holders, lists, keyed, resolved
    values      the message's MinHash values (strings), possibly none
    share       the share of the values that are not common that must point at one campaign
    minVotes    at least this many (or all of them when fewer are not common)
    since       Unix ms: a campaign seen since is live (resolveRecent)
    candidates  { {id, votes}, ... } every campaign with enough votes, most votes first (ties: smaller id)
    keys        the values' own keys, lists[i] the raw owner list of values[i], keyed[i] whether it is its key's
                (includes/valueIndex.readValues), and holders[i] its owners (for the caller to claim): the live ones
                when `resolved`, else as written (rawOwners)
    The owners are resolved (a campaign hash read per id) only when some campaign could get enough votes: when
    fewer values have any owner than the fewest votes that could be needed, none can, whoever is alive. Most mail
    matches nothing, and its values' lists name campaigns of other mail that shares some of its text.

  findDirect(base, key, cache) -> the live campaign an exact key points to, or nil
]]
local NO_OWNERS = {}
-- Each raw list is read once per script run (most values of a campaign hold the same list), into the run's cache
-- (includes/resolveCampaign) beside the ids it resolves: cache[IDS_OF_LIST][list] its ids as written,
-- cache[OWNERS_OF_LIST][list] its live owners (shared: never modify them). The keys are tables, so that no id (a
-- string, perhaps the caller's) can be one.
local IDS_OF_LIST, OWNERS_OF_LIST = {}, {}

-- The run's lists of one kind (IDS_OF_LIST or OWNERS_OF_LIST), made at the first use.
local function listsOf(cache, kind)
  local byList = {}
  cache[kind] = byList
  return byList
end

local function rawOwners(list, cache)
  if not list then
    return NO_OWNERS
  end
  local idsOfList = cache[IDS_OF_LIST] or listsOf(cache, IDS_OF_LIST)
  local known = idsOfList[list]
  if known then
    return known
  end
  -- Most lists name one campaign.
  local out = { list }
  if list == "" or string.find(list, "%s") then
    local seen = {}
    out = {}
    for id in string.gmatch(list, "%S+") do
      if not seen[id] then
        seen[id] = true
        out[#out + 1] = id
      end
    end
  end
  idsOfList[list] = out
  return out
end

local function readOwners(base, list, cache)
  if not list then
    return NO_OWNERS
  end
  local ownersOfList = cache[OWNERS_OF_LIST] or listsOf(cache, OWNERS_OF_LIST)
  local known = ownersOfList[list]
  if known then
    return known
  end
  local out = {}
  local seen = {}
  for _, raw in ipairs(rawOwners(list, cache)) do
    local id = resolveCampaign(base, raw, cache)
    if id and not seen[id] then
      seen[id] = true
      out[#out + 1] = id
    end
  end
  ownersOfList[list] = out
  return out
end

local function resolveLists(base, lists, holders, cache, since, least)
  local ids, seen = {}, {}
  for i = 1, #holders do
    local names = holders[i]
    if #names >= least then
      for k = 1, #names do
        local id = names[k]
        if not seen[id] then
          seen[id] = true
          ids[#ids + 1] = id
        end
      end
    end
  end
  resolveRecent(base, ids, cache, since)
  for i = 1, #holders do
    if #holders[i] >= least then
      holders[i] = readOwners(base, lists[i], cache)
    end
  end
end

local function votesNeeded(live, share, minVotes)
  return math.max(math.min(minVotes, live), math.ceil(live * share))
end

local function voteCampaigns(base, prefix, values, share, minVotes, owners, cache, now, singleMs, since)
  local holders, candidates = {}, {}
  local keys, lists, keyed = readValues(base, prefix, values, now, singleMs)
  -- An id gets a vote from a value at most, and only from a value with owners; a list of fewer than `owners` ids
  -- as written has fewer live ones, so its value is not common and counts in the share whoever is alive.
  local named, uncommon = 0, 0
  for i = 1, #values do
    -- Most values of distinct mail have no list: no call for those.
    local list = lists[i]
    local ids = list and rawOwners(list, cache) or NO_OWNERS
    holders[i] = ids
    if #ids > 0 then
      named = named + 1
    end
    if #ids < owners then
      uncommon = uncommon + 1
    end
  end
  if named == 0 or named < votesNeeded(uncommon, share, minVotes) then
    return candidates, keys, holders, lists, keyed, false
  end
  resolveLists(base, lists, holders, cache, since, 1)
  local tally, live = {}, 0
  for i = 1, #values do
    local ids = holders[i]
    if #ids < owners then
      live = live + 1
      for _, id in ipairs(ids) do
        tally[id] = (tally[id] or 0) + 1
      end
    end
  end
  if live == 0 then
    return candidates, keys, holders, lists, keyed, true
  end
  local need = votesNeeded(live, share, minVotes)
  for id, votes in pairs(tally) do
    if votes >= need then
      candidates[#candidates + 1] = { id, votes }
    end
  end
  table.sort(candidates, function(a, b)
    return a[2] > b[2] or (a[2] == b[2] and a[1] < b[1])
  end)
  return candidates, keys, holders, lists, keyed, true
end

local function findDirect(base, key, cache)
  return resolveCampaign(base, redis.call("GET", key), cache)
end
