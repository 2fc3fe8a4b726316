--[[
  Where the owners of a MinHash value are kept: shared by every script that reads or writes them.

  A value's owners (the ids of the campaigns whose copies had it, separated by spaces) live in one of two places:
  - its own key "<base><prefix><value>" (prefix "m<version>:"), with an expiry of its own: the values of campaigns
    seen more than once (the campaign ttl, renewed once per bucket) and those a block keeps;
  - a field of a generation hash "<base><prefix>h<start>:<shard>": the values a campaign's first copy claims where no
    key holds them. Most mail is seen once, so most values are these: one HSET per shard for all of a message's
    values instead of a SET with an expiry per value. A generation is `singleMs` long (start: its first second,
    Unix ms / 1000) and is read during that generation and the next, so such a value lives between one and two
    `singleMs`. A generation is split in VALUE_SHARDS hashes by value, so that no hash holds more than a share of a
    generation's values (a hash is freed in one piece). The index holds only values that are 0 modulo 4
    (includes/sampledIndex), so the shard is the value's next two bits: its remainder by 16, divided by 4. The
    observation, match and lookup take each sampled value's shard from their caller, which picks the sample
    (src/fingerprint/value-sample.ts owns the rule); sampledShardOf is the same rule, for the values no caller
    passes (the sketches a campaign keeps, the earlier versions' values), and a test checks that both agree.
  The generations of the layout before the sample ("<base><prefix>g<start>:<shard>", the shard the value's remainder
  by 4, so every sampled value in shard 0) are read as well while their marker lives (a host of the earlier release
  writing to the same store keeps it alive; else it expires with them, three `singleMs` after the last write).
  A key, when there is one, holds every live owner a generation holds: a generation field is written only where no
  key is, and whoever writes a key writes every owner it read. So the generations are read only for the values
  that have no key.

  readValues(base, prefix, values, now, singleMs, shards) -> keys, lists, keyed
    shards   the values' shards, one digit each, as the caller picked them with the sample
             (src/fingerprint/value-sample.ts); nil: worked out here (sampledShardOf)
    keys     keys[i] the own key of values[i]
    lists    lists[i] the raw owner list of values[i] (false when none): its key's, else its generations'
    keyed    keyed[i] true when lists[i] is its key's

  shardAt(shards, i) -> the shard of the i-th value of a caller's shards (readValues)

  writeGenerations(base, prefix, now, singleMs, values, lists, shards)
    Sets field values[k] to lists[k] in the current generation's shard shards[k] (a number; one HSET per shard),
    which expires a generation after it stops being read. The first write of a generation unlinks the one before
    the previous: UNLINK frees a large hash off Redis's main thread, where an expiry would free it on it. The expiry
    is a backstop for a store that stops receiving mail.
]]
local VALUE_SHARDS = 4

local function generationKey(base, prefix, generation, singleMs, shard, layout)
  return base .. prefix .. (layout or "h") .. math.floor(generation * singleMs / 1000) .. ":" .. shard
end

-- A value's shard is the remainder of the number it writes by VALUE_SHARDS. The values are integers up to 2^53 in
-- decimal (the callers' decimals()), and 100 is a multiple of VALUE_SHARDS, so the last two digits' remainder is the
-- whole number's: read from their bytes (10 * tens + ones and 2 * tens + ones leave the same remainder by 4), without
-- tonumber, whose strtod of sixteen digits is glibc's slow path, twice per value a message. Anything else a caller
-- might pass gets some shard, the same every time.
local ZERO, byte = string.byte("0"), string.byte
local function shardOf(value)
  local tens, ones = byte(value, -2, -1)
  if not ones then
    return ((tens or ZERO) - ZERO) % VALUE_SHARDS
  end
  return (2 * (tens - ZERO) + ones - ZERO) % VALUE_SHARDS
end

-- A sampled value's shard (the rule of src/fingerprint/value-sample.ts sampledShard): the remainder by 16 (read from
-- the last four digits, as 10,000 is a multiple of 16: 1000a + 100b + 10c + d leaves the remainder of
-- 8a + 4b + 10c + d), divided by 4; values of fewer digits read 0 for the missing ones.
local SAMPLED_WEIGHTS = { 8, 4, 10, 1 }
local function sampledShardOf(value)
  local length = #value
  local sum = 0
  for k = math.max(1, length - 3), length do
    sum = sum + SAMPLED_WEIGHTS[k - length + 4] * (byte(value, k) - ZERO)
  end
  return math.floor((sum % 16) / 4) % VALUE_SHARDS
end

local function shardAt(shards, i)
  return byte(shards, i) - ZERO
end

-- Reads the fields of `fields[shard]` (values without a key) from the two generations read of one layout, joining
-- what it finds to lists[i].
local function readGenerations(base, prefix, now, singleMs, fields, at, lists, layout)
  local current = math.floor(now / singleMs)
  for generation = current, current - 1, -1 do
    for shard, names in pairs(fields) do
      local got = redis.call("HMGET", generationKey(base, prefix, generation, singleMs, shard, layout), unpack(names))
      for k = 1, #names do
        local raw = got[k]
        if raw then
          local i = at[shard][k]
          -- The current generation's list holds the previous one's owners (its writer read both); joined when
          -- both are there all the same, since a writer whose clock is behind may still add to the previous one.
          lists[i] = lists[i] and (lists[i] .. " " .. raw) or raw
        end
      end
    end
  end
end

-- The values without a key, by shard: names[shard] the values, at[shard] their indexes; the shard the caller's
-- (`shards`, as readValues takes them) when given, else shardOfValue's.
local function byShard(values, lists, shardOfValue, shards)
  local fields, at = {}, {}
  for i = 1, #values do
    if not lists[i] then
      local shard = shards and shardAt(shards, i) or shardOfValue(values[i])
      local names = fields[shard]
      if not names then
        names = {}
        fields[shard], at[shard] = names, {}
      end
      local n = #names + 1
      names[n], at[shard][n] = values[i], i
    end
  end
  return fields, at
end

local function readValues(base, prefix, values, now, singleMs, shards)
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
  local fields, at = byShard(values, lists, sampledShardOf, shards)
  local earlier, earlierAt = nil, nil
  if redis.call("EXISTS", base .. prefix .. "g") == 1 then
    earlier, earlierAt = byShard(values, lists, shardOf)
  end
  readGenerations(base, prefix, now, singleMs, fields, at, lists)
  if earlier then
    readGenerations(base, prefix, now, singleMs, earlier, earlierAt, lists, "g")
  end
  return keys, lists, keyed
end

local function writeGenerations(base, prefix, now, singleMs, values, lists, shards)
  if #values == 0 then
    return
  end
  local args = {}
  for k = 1, #values do
    local shard = shards[k]
    local list = args[shard] or {}
    args[shard] = list
    list[#list + 1] = values[k]
    list[#list + 1] = lists[k]
  end
  local current = math.floor(now / singleMs)
  local expireAt = (current + 3) * singleMs
  for shard, list in pairs(args) do
    local key = generationKey(base, prefix, current, singleMs, shard)
    redis.call("HSET", key, unpack(list))
    -- Relative to `now`, not an instant: a replay's clock is the messages' dates, years behind Redis's own.
    redis.call("PEXPIRE", key, expireAt - now)
  end
  local marker = base .. prefix .. "h"
  if (tonumber(redis.call("GET", marker) or "0") or 0) < current then
    redis.call("SET", marker, current, "PX", 3 * singleMs)
    for shard = 0, VALUE_SHARDS - 1 do
      redis.call("UNLINK", generationKey(base, prefix, current - 2, singleMs, shard))
    end
  end
end
