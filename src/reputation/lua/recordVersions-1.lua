--[[
  Record what a look for an earlier fingerprint version's keys found (src/reputation/versions.ts).

  Input:
    KEYS[1] the store's record of versions "<base>versions" (includes/versionRecord)
    ARGV[1] now, Unix ms
    ARGV[2..] pairs: a version, then the Unix ms until which its keys can live (0: none were found)

  A version's record that is in the future stays unless this one is later: a block or an observation may have
  written it while the look ran. One in the past (or none) takes this one, 0 included.
]]
local key, now = KEYS[1], tonumber(ARGV[1])
for i = 2, #ARGV - 1, 2 do
  local version, untilMs = ARGV[i], tonumber(ARGV[i + 1])
  local recorded = tonumber(redis.call("HGET", key, version) or "")
  if not recorded or recorded <= now or untilMs > recorded then
    redis.call("HSET", key, version, untilMs)
  end
end
return 1
