--[[
  The campaign a fingerprint matches, without counting anything (`floodgate block --like FILE`).

  Input:
    KEYS[1] exact-digest key "<base>d:<digest>"
    KEYS[2] key base         "<prefix>:{<prefix>}:" (shingle and campaign keys are built from it, same slot)

    ARGV[1] votes needed to join by MinHash
    ARGV[2] m = number of MinHash values (0 or 32), then m values

  Output: the campaign id, or nil.
]]
--- @include "includes/findCampaign"

local votes = tonumber(ARGV[1])
local m = tonumber(ARGV[2])
local minhash = {}
for i = 1, m do
  minhash[i] = ARGV[2 + i]
end
local id = findCampaign(KEYS[2], KEYS[1], minhash, votes)
return id
