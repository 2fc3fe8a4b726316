--[[
  Where the owners of a MinHash value are kept: shared by every script that reads or writes them.

  A value's owners (the ids of the campaigns whose copies had it, separated by spaces) live in one of two places:
  - its own key "<base><prefix><value>" (prefix "m<version>:"), with an expiry of its own: the values of campaigns
    seen more than once (the campaign ttl, renewed once per bucket) and those a block keeps;
  - a field of a generation hash "<base><prefix>i<start>": the values a campaign's first copy claims where no key
    holds them. Most mail is seen once, so most values are these: one HSET for all of a message's values instead of
    a SET with an expiry per value. A generation is `singleMs` long (start: its first second, Unix ms / 1000) and is
    read during that generation and the next, so such a value lives between one and two `singleMs`. A generation is
    one hash: the index holds only the sampled values (includes/sampledIndex), a quarter of a message's, and each
    hash more is a command more for every message that reads or writes the index, where the hash's size costs
    nothing per message (its rehash is incremental, and it is unlinked: freed off Redis's main thread).
  The generations of the earlier layouts are read as well while their marker lives (a host of an earlier release
  writing to the same store keeps it alive; else it expires with them, three `singleMs` after the last write): each
  split a generation in four hashes, "<base><prefix>h<start>:<shard>" by a sampled value's remainder by 16 divided
  by 4 (sampledShardOf), and before the sample "<base><prefix>g<start>:<shard>" by its remainder by 4 (shardOf).
  A key, when there is one, holds every live owner a generation holds: a generation field is written only where no
  key is, and whoever writes a key writes every owner it read. So the generations are read only for the values
  that have no key.

  readValues(base, prefix, values, now, singleMs) -> keys, lists, keyed
    keys     keys[i] the own key of values[i]
    lists    lists[i] the raw owner list of values[i] (false when none): its key's, else its generations'
    keyed    keyed[i] true when lists[i] is its key's

  writeGenerations(base, prefix, now, singleMs, values, lists)
    Sets field values[k] to lists[k] in the current generation (one HSET), which expires a generation after it
    stops being read. The first write of a generation unlinks the one before the previous: UNLINK frees a large hash
    off Redis's main thread, where an expiry would free it on it. The expiry is a backstop for a store that stops
    receiving mail.
]]
local LAYOUT = "i"

local function generationKey(base, prefix, generation, singleMs)
  return base .. prefix .. LAYOUT .. math.floor(generation * singleMs / 1000)
end

-- The earlier layouts' generations: four hashes each, by the value's shard.
local EARLIER_SHARDS = 4

local function earlierGenerationKey(base, prefix, generation, singleMs, shard, layout)
  return base .. prefix .. layout .. math.floor(generation * singleMs / 1000) .. ":" .. shard
end

-- Layout "g": a value's remainder by 4. The values are integers up to 2^53 in decimal (the callers' decimals()), and
-- 100 is a multiple of 4, so the last two digits' remainder is the whole number's: read from their bytes (10 * tens
-- + ones and 2 * tens + ones leave the same remainder by 4), without tonumber, whose strtod of sixteen digits is
-- glibc's slow path. Anything else a caller might pass gets some shard, the same every time.
local ZERO, byte = string.byte("0"), string.byte
local function shardOf(value)
  local tens, ones = byte(value, -2, -1)
  if not ones then
    return ((tens or ZERO) - ZERO) % EARLIER_SHARDS
  end
  return (2 * (tens - ZERO) + ones - ZERO) % EARLIER_SHARDS
end

-- Layout "h": a sampled value's remainder by 16 (read from the last four digits, as 10,000 is a multiple of 16:
-- 1000a + 100b + 10c + d leaves the remainder of 8a + 4b + 10c + d), divided by 4; values of fewer digits read 0 for
-- the missing ones.
local SAMPLED_WEIGHTS = { 8, 4, 10, 1 }
local function sampledShardOf(value)
  local length = #value
  local sum = 0
  for k = math.max(1, length - 3), length do
    sum = sum + SAMPLED_WEIGHTS[k - length + 4] * (byte(value, k) - ZERO)
  end
  return math.floor((sum % 16) / 4) % EARLIER_SHARDS
end

local EARLIER_LAYOUTS = { { name = "h", shardOf = sampledShardOf }, { name = "g", shardOf = shardOf } }

-- Joins what `got` holds for fields[k] to lists[at[k]].
local function joinFound(got, at, lists)
  for k = 1, #got do
    local raw = got[k]
    if raw then
      local i = at[k]
      -- The current generation's list holds the previous one's owners (its writer read both); joined when
      -- both are there all the same, since a writer whose clock is behind may still add to the previous one.
      lists[i] = lists[i] and (lists[i] .. " " .. raw) or raw
    end
  end
end

-- The values without a key (names) and their indexes (at); with `shardOf`, split by shard (names[shard], at[shard]).
local function withoutKey(values, lists, shardOfValue)
  local names, at = {}, {}
  for i = 1, #values do
    if not lists[i] then
      local shardNames, shardAt = names, at
      if shardOfValue then
        local shard = shardOfValue(values[i])
        shardNames, shardAt = names[shard] or {}, at[shard] or {}
        names[shard], at[shard] = shardNames, shardAt
      end
      local n = #shardNames + 1
      shardNames[n], shardAt[n] = values[i], i
    end
  end
  return names, at
end

-- The earlier layouts whose marker lives. One call while no host of an earlier layout has written for three
-- generations, as is the rule after an upgrade.
local function liveEarlierLayouts(base, prefix)
  local live, markers = {}, {}
  for k, layout in ipairs(EARLIER_LAYOUTS) do
    markers[k] = base .. prefix .. layout.name
  end
  if redis.call("EXISTS", unpack(markers)) > 0 then
    for k, layout in ipairs(EARLIER_LAYOUTS) do
      if redis.call("EXISTS", markers[k]) == 1 then
        live[#live + 1] = layout
      end
    end
  end
  return live
end

-- Reads the values without a key from the two generations read: this layout's, then each earlier one's while its
-- marker lives.
local function readGenerations(base, prefix, now, singleMs, values, lists)
  local names, at = withoutKey(values, lists)
  if #names == 0 then
    return
  end
  local earlier = liveEarlierLayouts(base, prefix)
  local current = math.floor(now / singleMs)
  local shardNames, shardAt = {}, {}
  for k, layout in ipairs(earlier) do
    shardNames[k], shardAt[k] = withoutKey(values, lists, layout.shardOf)
  end
  for generation = current, current - 1, -1 do
    joinFound(redis.call("HMGET", generationKey(base, prefix, generation, singleMs), unpack(names)), at, lists)
    for k, layout in ipairs(earlier) do
      for shard, fields in pairs(shardNames[k]) do
        local key = earlierGenerationKey(base, prefix, generation, singleMs, shard, layout.name)
        joinFound(redis.call("HMGET", key, unpack(fields)), shardAt[k][shard], lists)
      end
    end
  end
end

local function readValues(base, prefix, values, now, singleMs)
  local keys, keyed = {}, {}
  for i = 1, #values do
    keys[i] = base .. prefix .. values[i]
  end
  if #values == 0 then
    return keys, {}, keyed
  end
  local lists = redis.call("MGET", unpack(keys))
  for i = 1, #values do
    keyed[i] = lists[i] and true or nil
  end
  readGenerations(base, prefix, now, singleMs, values, lists)
  return keys, lists, keyed
end

local function writeGenerations(base, prefix, now, singleMs, values, lists)
  if #values == 0 then
    return
  end
  local args = {}
  for k = 1, #values do
    args[2 * k - 1], args[2 * k] = values[k], lists[k]
  end
  local current = math.floor(now / singleMs)
  local key = generationKey(base, prefix, current, singleMs)
  redis.call("HSET", key, unpack(args))
  -- Relative to `now`, not an instant: a replay's clock is the messages' dates, years behind Redis's own.
  redis.call("PEXPIRE", key, (current + 3) * singleMs - now)
  local marker = base .. prefix .. LAYOUT
  if (tonumber(redis.call("GET", marker) or "0") or 0) < current then
    redis.call("SET", marker, current, "PX", 3 * singleMs)
    redis.call("UNLINK", generationKey(base, prefix, current - 2, singleMs))
  end
end
