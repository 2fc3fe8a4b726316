--[[
  A person relabels a campaign: every change of its label by a person goes through here, is kept in the campaign's
  history (capped) and answers with the state it left. The field names are CAMPAIGN_FIELDS of src/reputation/keys.ts.

  Input:
    KEYS[1] the campaign hash "<base>c:<id>" as named (it may have been merged into another: the campaign it was
            merged into is relabelled)
    KEYS[2] the key base "<prefix>:{<prefix>}:" (the history c:<id>:h, the reports c:<id>:rep and the rate keys
            rl:<digest>:<hour> are built from it, in KEYS[1]'s slot)

    ARGV[1]  the operation:
               block      note a block (blockCampaign-2.lua set it): who; a ham decision is dropped
               unblock    lift a block
               decide     an operator's decision ARGV[5] made as ARGV[6] ("report" or "pin"); ham lifts a block
               undecide   take back the operator's decision made as ARGV[6]; users' reports apply again
               report     a mailbox user's report ARGV[5]; the reporter is ARGV[3]
               unreport   take the reporter's report back
               rescan     drop the scanner's verdict, so that the next copy queues a scan
    ARGV[2]  now, Unix ms
    ARGV[3]  who: "operator:<name>", or the reporter's address
    ARGV[4]  why
    ARGV[5]  label, "spam" or "ham" ("" when none)
    ARGV[6]  how, "report" or "pin" ("" when none)
    ARGV[7]  distinct reporters that decide a campaign, at the least
    ARGV[8]  reports one reporter may make per hour
    ARGV[9]  the reporter's digest (for the rate key)
    ARGV[10] history lines kept
    ARGV[11] the least time the history and reports are kept, ms (the campaign ttl)
    ARGV[12] copies the campaign may have had per deciding reporter (0: no more than ARGV[7] are needed)

  Output: { status, state, reportsSpam, reportsHam, decidedByReporters, id }
    status: "ok", "missing" (no such campaign), "absent" (nothing to take back), "duplicate" (the reporter already
    said so), "rate-limited"; state: blocked, spam, ham, or unjudged; decidedByReporters: the label users' reports
    decided by this call, or ""; id: the campaign relabelled.
]]
--- @include "includes/resolveCampaign"
--- @include "includes/judgedState"

local base = KEYS[2]
local named = string.sub(KEYS[1], #base + 3)
local op, now, actor, why = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local label, how = ARGV[5], ARGV[6]
local needed, perHour, digest = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]
local historyLength, keepMin = tonumber(ARGV[10]), tonumber(ARGV[11])
local copiesPerReporter = tonumber(ARGV[12]) or 0

local id = resolveCampaign(base, named, {})
if not id then
  return { "missing", "", 0, 0, "", named }
end
local ckey = base .. "c:" .. id
local historyKey, reportsKey = ckey .. ":h", ckey .. ":rep"

local DECISION = { "d", "dHow", "dBy", "dWhy", "dAt" }
local function count(field)
  return tonumber(redis.call("HGET", ckey, field) or "0") or 0
end

-- Users' reports decide when enough of them agree and outnumber the others, unless an operator decided: `needed`,
-- and one per `copiesPerReporter` copies the campaign has had.
local function applyReporters()
  local d, dHow = unpack(redis.call("HMGET", ckey, "d", "dHow"))
  if d and dHow ~= "reporters" then
    return ""
  end
  local enough = needed
  if copiesPerReporter > 0 then
    enough = math.max(needed, math.ceil(count("total") / copiesPerReporter))
  end
  local spam, ham = count("rSpam"), count("rHam")
  local wins = nil
  if spam >= enough and spam > ham then
    wins = "spam"
  elseif ham >= enough and ham > spam then
    wins = "ham"
  end
  if wins and wins ~= d then
    local n = wins == "spam" and spam or ham
    redis.call("HSET", ckey, "d", wins, "dHow", "reporters", "dBy", "reporters", "dAt", now,
      "dWhy", wins .. " by " .. n .. " reporters")
    return wins
  end
  if not wins and d then
    redis.call("HDEL", ckey, unpack(DECISION))
  end
  return ""
end

local function state()
  local f = redis.call("HMGET", ckey, "blockUntil", "d", "dHow", "v")
  return judgedState(f[1], f[2], f[3], f[4], now) or "unjudged"
end

local function reply(status, decided)
  return { status, state(), count("rSpam"), count("rHam"), decided or "", id }
end

local decided = ""
if op == "block" then
  redis.call("HSET", ckey, "blockBy", actor)
  if redis.call("HGET", ckey, "d") == "ham" then
    redis.call("HDEL", ckey, unpack(DECISION))
  end
elseif op == "unblock" then
  if redis.call("HDEL", ckey, "blockUntil", "blockBy") == 0 then
    return reply("absent")
  end
elseif op == "decide" then
  redis.call("HSET", ckey, "d", label, "dHow", how, "dBy", actor, "dWhy", why, "dAt", now)
  if label == "ham" then
    redis.call("HDEL", ckey, "blockUntil", "blockBy")
  end
elseif op == "undecide" then
  if redis.call("HGET", ckey, "dHow") ~= how then
    return reply("absent")
  end
  label = redis.call("HGET", ckey, "d") or ""
  redis.call("HDEL", ckey, unpack(DECISION))
  decided = applyReporters()
elseif op == "report" then
  local rateKey = base .. "rl:" .. digest .. ":" .. math.floor(now / 3600000)
  local made = redis.call("INCR", rateKey)
  if made == 1 then
    redis.call("PEXPIRE", rateKey, 3600000)
  end
  if made > perHour then
    return reply("rate-limited")
  end
  local previous = redis.call("HGET", reportsKey, actor)
  if previous == label then
    return reply("duplicate")
  end
  redis.call("HSET", reportsKey, actor, label)
  redis.call("HINCRBY", ckey, label == "spam" and "rSpam" or "rHam", 1)
  if previous then
    redis.call("HINCRBY", ckey, previous == "spam" and "rSpam" or "rHam", -1)
  end
  decided = applyReporters()
elseif op == "unreport" then
  local previous = redis.call("HGET", reportsKey, actor)
  if not previous then
    return reply("absent")
  end
  label = previous
  redis.call("HDEL", reportsKey, actor)
  redis.call("HINCRBY", ckey, previous == "spam" and "rSpam" or "rHam", -1)
  decided = applyReporters()
elseif op == "rescan" then
  redis.call("HDEL", ckey, "v", "vScore", "vScanner", "vAt", "vThreshold", "vRules", "vLinks")
  redis.call("HSET", ckey, "scanAt", 0, "since", 0)
else
  return redis.error_reply("unknown relabel operation " .. op)
end

local after = state()
local entry = { at = now, actor = actor, action = op, why = why, state = after }
if label ~= "" then
  entry.label = label
end
redis.call("LPUSH", historyKey, cjson.encode(entry))
if decided ~= "" then
  redis.call("LPUSH", historyKey, cjson.encode({ at = now, actor = "reporters", action = "decide", label = decided,
    why = decided .. " by " .. count(decided == "spam" and "rSpam" or "rHam") .. " reporters", state = after }))
end
redis.call("LTRIM", historyKey, 0, historyLength - 1)

-- The history and the reports live as long as the campaign, and at least `keepMin`.
local keep = math.max(redis.call("PTTL", ckey), keepMin)
redis.call("PEXPIRE", historyKey, keep)
if redis.call("EXISTS", reportsKey) == 1 then
  redis.call("PEXPIRE", reportsKey, keep)
end
return { "ok", after, count("rSpam"), count("rHam"), decided, id }
