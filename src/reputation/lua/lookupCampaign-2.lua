--[[
  The campaign a fingerprint belongs to, with its view, without writing anything: for a Redis that refuses writes (a
  replica, or a server at maxmemory), where observeMessage cannot run but a known verdict or block must still apply.

  Input:
    KEYS[1] exact key "<base>d<version>:<digest>"
    KEYS[2] key base  "<prefix>:{<prefix>}:" (value and campaign keys are built from it, same slot)

    ARGV[1] now, Unix ms
    ARGV[2] window, seconds
    ARGV[3] buckets in the window
    ARGV[4] bulk threshold: copies
    ARGV[5] bulk threshold: distinct recipients
    ARGV[6] bulk threshold: distinct senders
    ARGV[7...] the fingerprint, as matchFingerprint-2.lua takes it from ARGV[2] (includes/matchWithoutWriting)

  Output: the campaign view (includes/campaignView.lua) as it stands, this copy not counted; or nil.
]]
--- @include "includes/readArgs"
--- @include "includes/resolveCampaign"
--- @include "includes/valueIndex"
--- @include "includes/findCampaign"
--- @include "includes/sampledIndex"
--- @include "includes/findEarlier"
--- @include "includes/matchWithoutWriting"
--- @include "includes/campaignView"

local now = tonumber(ARGV[1])
local buckets = tonumber(ARGV[3])
local bucketMs = math.floor(tonumber(ARGV[2]) * 1000 / buckets)
local bulk = { copies = tonumber(ARGV[4]), recipients = tonumber(ARGV[5]), senders = tonumber(ARGV[6]) }
local id = matchWithoutWriting(KEYS[2], KEYS[1], 7, now)
if not id then
  return nil
end
return campaignView(KEYS[2], id, now, bucketMs, buckets, bulk, false, false, {})
