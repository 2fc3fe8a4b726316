--[[
  The campaign a fingerprint matches, without counting or merging anything (`floodgate block --like FILE`,
  `floodgate fingerprint --compare`).

  Input:
    KEYS[1] exact key "<base>d<version>:<digest>"
    KEYS[2] key base  "<prefix>:{<prefix>}:" (value and campaign keys are built from it, same slot)

    ARGV[1] now, Unix ms
    ARGV[2] the MinHash values' share that must point at one campaign (campaigns.matchShare)
    ARGV[3] the store's limits: "<minVotes> <owners> <maxClaims> <maxMerges> <previousVotes> <singleMs> <recentMs>"
    ARGV[4] the MinHash values' key prefix, "m<version>:"
    ARGV[5] the MinHash values, packed ("" when none; includes/sampledIndex)
    ARGV[6] the sampled ones, decimal and space-separated (includes/sampledIndex readSketch)
    ARGV[7..10] the earlier versions' keys (includes/findEarlier)

  Output: { id, how it was found ("minhash", "direct", "previous"), the ids of every campaign the values matched
  (an observation would merge them) }, or nil when nothing matches.
]]
--- @include "includes/readArgs"
--- @include "includes/resolveCampaign"
--- @include "includes/valueIndex"
--- @include "includes/findCampaign"
--- @include "includes/sampledIndex"
--- @include "includes/findEarlier"
--- @include "includes/matchWithoutWriting"

local id, how, ids = matchWithoutWriting(KEYS[2], KEYS[1], 2, tonumber(ARGV[1]))
if not id then
  return nil
end
return { id, how, ids }
