--[[
  Read campaigns with their windowed counts and state, without writing anything.

  Input:
    KEYS[1] key base "<prefix>:{<prefix>}:" (campaign keys c:<id>... are built from it, same slot)

    ARGV[1] now, Unix ms
    ARGV[2] window, seconds
    ARGV[3] buckets in the window
    ARGV[4] bulk threshold: copies
    ARGV[5] bulk threshold: distinct recipients
    ARGV[6] bulk threshold: distinct senders
    ARGV[7...] campaign ids

  Output: one entry per id: the campaign view (includes/campaignView.lua), or 0 when it does not exist. An id merged
  into another campaign gives that campaign's view (its own id).
]]
--- @include "includes/resolveCampaign"
--- @include "includes/campaignView"

local base = KEYS[1]
local now = tonumber(ARGV[1])
local buckets = tonumber(ARGV[3])
local bucketMs = math.floor(tonumber(ARGV[2]) * 1000 / buckets)
local bulk = { copies = tonumber(ARGV[4]), recipients = tonumber(ARGV[5]), senders = tonumber(ARGV[6]) }

local out = {}
local cache = {}
for i = 7, #ARGV do
  local id = resolveCampaign(base, ARGV[i], cache)
  out[#out + 1] = id and campaignView(base, id, now, bucketMs, buckets, bulk, false, false, {}) or 0
end
return out
