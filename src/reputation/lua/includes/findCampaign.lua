--[[
  Shared by observe and match: the campaign a fingerprint belongs to, without writing anything.

  base        the key base "<prefix>:{<prefix>}:"
  directKey   the exact-digest key "<base>d<version>:<digest>"
  minhash     array of MinHash values (strings), possibly empty
  votes       MinHash values that must point at one campaign for the fingerprint to join it
  prefix      what a value's key is made of after the base: "s<version>:" then the value

  Returns id (or nil), and the shingle keys with their current values (for the caller to claim).
  A pointer to a campaign that no longer exists counts for nothing.
]]
local function campaignExists(base, id)
  return redis.call("EXISTS", base .. "c:" .. id) == 1
end

local function findCampaign(base, directKey, minhash, votes, prefix)
  local shingleKeys = {}
  local current = {}
  if #minhash > 0 then
    for i = 1, #minhash do
      shingleKeys[i] = base .. prefix .. minhash[i]
    end
    current = redis.call("MGET", unpack(shingleKeys))
    local tally = {}
    for i = 1, #current do
      local c = current[i]
      if c then
        tally[c] = (tally[c] or 0) + 1
      end
    end
    local best, bestVotes = nil, 0
    for c, n in pairs(tally) do
      if n > bestVotes or (n == bestVotes and best ~= nil and c < best) then
        best, bestVotes = c, n
      end
    end
    if best and bestVotes >= votes and campaignExists(base, best) then
      return best, shingleKeys, current
    end
  end
  local direct = redis.call("GET", directKey)
  if direct and campaignExists(base, direct) then
    return direct, shingleKeys, current
  end
  return nil, shingleKeys, current
end
