--[[
  The links a campaign's ham verdict covers (README, "What a ham verdict covers"): kept in the campaign hash as
  space-separated words, "vLinks" (the links of the copies its ham verdicts judged; absent: the verdict covers every
  copy) and "spamLinks" (links a scan of a copy that carried them beside the covered ones called spam).

  linkSet(text)          the words of a list as a set (nil text: an empty set)
  addLinks(text, links)  the list with the links not in it yet added, while it has fewer than LINKS_KEPT words
  mergeLinks(ikey, f, mine, moved)
                         on a merge (includes/mergeCampaigns), `into`'s lists after `from`'s verdict moved to it
                         (`moved`), or beside it: both ham, the links either covered; spam links of both
]]
-- Links a list keeps at most (src/policy/link-cover.ts LINKS_KEPT): a copy carrying others stays uncovered, so it
-- is scanned again at most once each queue.rescanNewLinksSeconds.
local LINKS_KEPT = 256

local function linkSet(text)
  local set = {}
  for _, link in ipairs(text and splitWords(text) or {}) do
    set[link] = true
  end
  return set
end

local function addLinks(text, links)
  local words = text and splitWords(text) or {}
  local have = {}
  for _, link in ipairs(words) do
    have[link] = true
  end
  for _, link in ipairs(links) do
    if #words >= LINKS_KEPT then
      break
    end
    if not have[link] then
      have[link] = true
      words[#words + 1] = link
    end
  end
  return table.concat(words, " ")
end

local function mergeLinks(ikey, f, mine, moved)
  if moved then
    if f.vLinks then
      redis.call("HSET", ikey, "vLinks", f.vLinks)
    else
      redis.call("HDEL", ikey, "vLinks")
    end
  elseif f.v == "ham" and mine.v == "ham" and f.vLinks and mine.vLinks then
    redis.call("HSET", ikey, "vLinks", addLinks(mine.vLinks, splitWords(f.vLinks)))
  end
  if f.spamLinks then
    redis.call("HSET", ikey, "spamLinks", addLinks(mine.spamLinks, splitWords(f.spamLinks)))
  end
end
