--[[
  The campaign a fingerprint matches, without counting anything (`floodgate block --like FILE`).

  Input:
    KEYS[1] exact-digest key "<base>d<version>:<digest>"
    KEYS[2] key base         "<prefix>:{<prefix>}:" (shingle and campaign keys are built from it, same slot)

    ARGV[1] votes needed to join by MinHash
    ARGV[2] the MinHash values' key prefix, "s<version>:"
    ARGV[3] m = number of MinHash values, then m values

  Output: the campaign id, or nil.
]]
--- @include "includes/findCampaign"

local votes = tonumber(ARGV[1])
local prefix = ARGV[2]
local m = tonumber(ARGV[3])
local minhash = {}
for i = 1, m do
  minhash[i] = ARGV[3 + i]
end
local id = findCampaign(KEYS[2], KEYS[1], minhash, votes, prefix)
return id
