--[[
  Shared by every script that reads a campaign id from a pointer or a caller: the live campaign an id stands for.

  A campaign merged into another keeps a small hash holding `alias` (the id it was merged into) and `first`, for as
  long as pointers to it may live; an id whose hash is gone is a forgotten campaign. Aliases are followed up to
  MAX_ALIAS_HOPS.

  resolveCampaign(base, id, cache) -> the live id, or nil
    base   the key base "<prefix>:{<prefix>}:"
    id     a campaign id (any string; "" and nil give nil)
    cache  a table the caller keeps for one script run: each id is looked up once (includes/findCampaign keeps the
           owner lists it reads there too, under keys that are not strings)
]]
local MAX_ALIAS_HOPS = 16

local function resolveCampaign(base, id, cache)
  if not id or id == "" then
    return nil
  end
  local cached = cache[id]
  if cached ~= nil then
    return cached or nil
  end
  local current = id
  local live = false
  for _ = 1, MAX_ALIAS_HOPS do
    local fields = redis.call("HMGET", base .. "c:" .. current, "alias", "first")
    if not fields[2] then
      break
    end
    if not fields[1] then
      live = current
      break
    end
    current = fields[1]
  end
  cache[id] = live
  return live or nil
end

local function campaignExists(base, id)
  return redis.call("EXISTS", base .. "c:" .. id) == 1
end

--[[
  resolveRecent(base, ids, cache, since): many ids at once, for the owner lists of a message's values (a hundred
  lists may name dozens of campaigns). An id the list of campaigns by last seen ("<base>top", one ZMSCORE) shows
  seen at or after `since` is live and its own: a campaign lives at least the ttl after it was last seen, and
  merging one into another takes it off that list. The others are left to resolveCampaign (a merged or forgotten
  campaign, one blocked past the ttl).
]]
local function resolveRecent(base, ids, cache, since)
  local ask = {}
  for _, id in ipairs(ids) do
    if cache[id] == nil then
      ask[#ask + 1] = id
    end
  end
  if #ask == 0 then
    return
  end
  local seen = redis.call("ZMSCORE", base .. "top", unpack(ask))
  for k, id in ipairs(ask) do
    local at = seen[k] and tonumber(seen[k])
    if at and at >= since then
      cache[id] = id
    end
  end
end
