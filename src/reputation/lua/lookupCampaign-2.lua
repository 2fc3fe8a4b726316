--[[
  The campaign a fingerprint belongs to, with its view, without writing anything: for a Redis that refuses writes (a
  replica, or a server at maxmemory), where observeMessage cannot run but a known verdict or block must still apply.

  Input:
    KEYS[1] exact-digest key "<base>d:<digest>"
    KEYS[2] key base         "<prefix>:{<prefix>}:" (shingle and campaign keys are built from it, same slot)

    ARGV[1] now, Unix ms
    ARGV[2] window, seconds
    ARGV[3] buckets in the window
    ARGV[4] bulk threshold: copies
    ARGV[5] bulk threshold: distinct recipients
    ARGV[6] bulk threshold: distinct senders
    ARGV[7] votes needed to join by MinHash
    ARGV[8] m = number of MinHash values (0 or 32), then m values

  Output: the campaign view (includes/campaignView.lua) as it stands, this copy not counted; or nil.
]]
--- @include "includes/findCampaign"
--- @include "includes/campaignView"

local now = tonumber(ARGV[1])
local buckets = tonumber(ARGV[3])
local bucketMs = math.floor(tonumber(ARGV[2]) * 1000 / buckets)
local bulk = { copies = tonumber(ARGV[4]), recipients = tonumber(ARGV[5]), senders = tonumber(ARGV[6]) }
local votes = tonumber(ARGV[7])
local m = tonumber(ARGV[8])
local minhash = {}
for i = 1, m do
  minhash[i] = ARGV[8 + i]
end
local id = findCampaign(KEYS[2], KEYS[1], minhash, votes)
if not id then
  return nil
end
return campaignView(KEYS[2], id, now, bucketMs, buckets, bulk, false, false, {})
