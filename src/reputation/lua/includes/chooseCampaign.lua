--[[
  Shared by observe: the campaign a message joins among those its MinHash values matched, merging them when the
  message shows they are one. Needs includes/personDecision (carriesPersonDecision) and includes/mergeCampaigns.

  chooseCampaign(base, candidates, now, bucketMs, buckets, ttl, maxMerges) -> id, merged
    candidates  from voteCampaigns: { {id, votes}, ... }, most votes first
    id          the campaign to join (nil when there is no candidate)
    merged      the ids merged into it

  One candidate: it. Several: when none carries a person's decision, they are one campaign: the one with the most
  copies survives (its id stays the one shown, ties to the most votes) and up to maxMerges of the others are merged
  into it, in order of votes. When any carries a person's decision (a block, a pinned verdict, reports), nothing
  is merged and the message joins the one with the most votes: one crafted copy cannot weld a newsletter to a
  spam run, nor pull a blocked campaign apart.
]]
local function chooseCampaign(base, candidates, now, bucketMs, buckets, ttl, maxMerges)
  if #candidates == 0 then
    return nil, {}
  end
  if #candidates == 1 then
    return candidates[1][1], {}
  end
  for _, candidate in ipairs(candidates) do
    if carriesPersonDecision(base .. "c:" .. candidate[1], now) then
      return candidates[1][1], {}
    end
  end
  local survivor, most = nil, -1
  for _, candidate in ipairs(candidates) do
    local copies = tonumber(redis.call("HGET", base .. "c:" .. candidate[1], "total") or "0")
    if copies > most then
      survivor, most = candidate[1], copies
    end
  end
  local merged = {}
  for _, candidate in ipairs(candidates) do
    if candidate[1] ~= survivor and #merged < maxMerges then
      mergeCampaign(base, candidate[1], survivor, now, bucketMs, buckets, ttl)
      merged[#merged + 1] = candidate[1]
    end
  end
  return survivor, merged
end
