--[[
  A person's decision on a campaign, in one place (the field names are CAMPAIGN_FIELDS of src/reputation/keys.ts):
  a block in force (blockUntil), a label from an operator's report or pin or from enough users' reports (d), or users'
  reports still being counted (rSpam, rHam). A campaign carrying one keeps its identity: no merge may move it, and no
  scan overrides it.

  ckey   the campaign hash "<base>c:<id>"
  now    Unix ms

  Returns true when the campaign carries a person's decision.
]]
local function carriesPersonDecision(ckey, now)
  local f = redis.call("HMGET", ckey, "blockUntil", "d", "rSpam", "rHam")
  return (tonumber(f[1] or "0") or 0) > now or f[2] == "spam" or f[2] == "ham"
    or (tonumber(f[3] or "0") or 0) > 0 or (tonumber(f[4] or "0") or 0) > 0
end
