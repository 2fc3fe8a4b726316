--[[
  Store a heavy scan's verdict on its campaign and publish it to the waiters. A person's decision on the campaign
  (includes/personDecision.lua) is left as it is: the verdict is kept beside it, and the state still follows the person.

  Input:
    KEYS[1] the campaign hash "<base>c:<id>" as named by the scan job (it may have been merged into another since:
            the verdict goes to the campaign it was merged into)
    KEYS[2] the key base "<prefix>:{<prefix>}:"

    ARGV[1] verdict, "spam", "ham" or "unsure"
    ARGV[2] score
    ARGV[3] scanner
    ARGV[4] at, Unix ms
    ARGV[5] pub/sub channel
    ARGV[6] the verdict as JSON (ScanVerdict)
    ARGV[7] the scanner's threshold ("" when none)
    ARGV[8] the top rules, comma-separated
    ARGV[9] the campaign id as named
    ARGV[10] the scanned copy's links (ARGV[11]) are "complete", "partial" (it may carry more), or "" not known
    ARGV[11] the scanned copy's links (the registrable domains it links to), space-separated

  Links (README, "What a ham verdict covers"; includes/verdictLinks): a ham verdict keeps the links of the copy it
  judged ("vLinks"). A copy carrying links the campaign's ham verdict did not cover is a variant: its verdict judges
  only the links it added (ham: now covered; spam: "spamLinks", copies carrying one are refused; unsure: nothing), and
  the campaign's own verdict stays. Any other verdict is the campaign's: so is a spam verdict of a copy that may carry
  links not known (the one that made it spam may be among them), and a verdict of unknown links (a job queued
  without them), which covers every copy.

  Output: the id of the campaign that took the verdict, or 0 when none exists. `{"id":…,"verdict":…}` is published
  for the id as named, and for the campaign it was merged into, either way.
]]
--- @include "includes/readArgs"
--- @include "includes/resolveCampaign"
--- @include "includes/verdictLinks"

local base, named = KEYS[2], ARGV[9]
local verdict, scope = ARGV[1], ARGV[10] or ""
local known = scope ~= ""
local links = known and splitWords(ARGV[11]) or {}
local id = resolveCampaign(base, named, {})
if id then
  local ckey = base .. "c:" .. id
  local was = redis.call("HMGET", ckey, "v", "vLinks", "spamLinks")
  local covered = was[1] == "ham" and was[2] and linkSet(was[2]) or nil
  local added = {}
  for _, link in ipairs(links) do
    if covered and not covered[link] then
      added[#added + 1] = link
    end
  end
  if known and covered and #added > 0 and not (scope == "partial" and verdict == "spam") then
    if verdict == "ham" then
      redis.call("HSET", ckey, "vLinks", addLinks(was[2], added))
    elseif verdict == "spam" then
      redis.call("HSET", ckey, "spamLinks", addLinks(was[3], added))
    end
  else
    redis.call("HSET", ckey, "v", verdict, "vScore", ARGV[2], "vScanner", ARGV[3], "vAt", ARGV[4],
      "vThreshold", ARGV[7], "vRules", ARGV[8])
    if verdict == "ham" and known then
      -- A campaign judged ham again keeps what its earlier ham verdicts covered.
      redis.call("HSET", ckey, "vLinks", addLinks(was[1] == "ham" and was[2] or nil, links))
    else
      redis.call("HDEL", ckey, "vLinks")
    end
  end
end
redis.call("PUBLISH", ARGV[5], '{"id":"' .. named .. '","verdict":' .. ARGV[6] .. "}")
if id and id ~= named then
  redis.call("PUBLISH", ARGV[5], '{"id":"' .. id .. '","verdict":' .. ARGV[6] .. "}")
end
return id or 0
