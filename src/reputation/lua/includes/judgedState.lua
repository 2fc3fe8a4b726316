--[[
  Who judges a campaign, in one place (src/reputation/decision-standing.ts keeps the same order for the policy):
  a block in force; an operator's decision (an operator's report or pin); a scanner's spam verdict; mailbox users'
  decision (enough users' reports); a scanner's ham verdict. Users' ham gives way to a scanner's spam verdict: whoever
  holds `reports.reporters` mailboxes on the platform could otherwise clear their own campaign of spamd's verdict, or
  clear it before its first copy is sent. Users' spam still outranks a scanner's ham (a scanner missed it).

  blockUntil, d, dHow, v   the campaign's fields of those names (nil when absent)
  now                      Unix ms

  Returns "blocked", "spam" or "ham"; nil when nobody judged it (its counts decide: bulk or new).
]]
local function judgedState(blockUntil, d, dHow, v, now)
  if (tonumber(blockUntil or "0") or 0) > now then
    return "blocked"
  end
  local decided = d == "spam" or d == "ham"
  if decided and dHow ~= "reporters" then
    return d
  end
  if v == "spam" then
    return "spam"
  end
  if decided then
    return d
  end
  if v == "ham" then
    return "ham"
  end
  return nil
end
