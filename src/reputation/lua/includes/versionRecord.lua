--[[
  The store's record of the fingerprint versions whose keys it may hold, read by src/reputation/versions.ts to
  decide whether fingerprints need the earlier versions' keys: a hash "<base>versions" of version -> Unix ms until
  which keys of that version can live. Every script that writes or keeps alive a version's keys keeps it.

  keepVersion(base, version, untilMs, slackMs): the record of `version` made to reach at least untilMs; set slackMs
    further when it is rewritten, so that a writer of many messages rewrites it once per slackMs, not per message.

  versionOf(prefix) -> the version of a value index prefix "m<version>:" (a string), or nil
]]
local function keepVersion(base, version, untilMs, slackMs)
  local key = base .. "versions"
  if (tonumber(redis.call("HGET", key, version) or "0") or 0) < untilMs then
    redis.call("HSET", key, version, untilMs + slackMs)
  end
end

local function versionOf(prefix)
  return string.match(prefix or "", "^m(%d+):$")
end
