--[[
  Where the owners of a MinHash value are kept: shared by every script that reads or writes them.

  A value's owners (the ids of the campaigns whose copies had it, separated by spaces) live in one of two places:
  - its own key "<base><prefix><value>" (prefix "m<version>:"), with an expiry of its own: the values of campaigns
    seen more than once (the campaign ttl, renewed once per bucket) and those a block keeps;
  - a field of a generation hash "<base><prefix>g<start>:<shard>": the values a campaign's first copy claims where no
    key holds them. Most mail is seen once, so most values are these: one HSET per shard for all of a message's
    values instead of a SET with an expiry per value. A generation is `singleMs` long (start: its first second,
    Unix ms / 1000) and is read during that generation and the next, so such a value lives between one and two
    `singleMs`. A generation is split in VALUE_SHARDS hashes by value, so that no hash holds more than a share of a
    generation's values (a hash is freed in one piece).
  A key, when there is one, holds every live owner a generation holds: a generation field is written only where no
  key is, and whoever writes a key writes every owner it read. So the generations are read only for the values
  that have no key.

  readValues(base, prefix, values, now, singleMs) -> keys, lists, keyed
    keys     keys[i] the own key of values[i]
    lists    lists[i] the raw owner list of values[i] (false when none): its key's, else its generations'
    keyed    keyed[i] true when lists[i] is its key's

  writeGenerations(base, prefix, now, singleMs, values, lists)
    Sets field values[k] to lists[k] in the current generation (one HSET per shard), which expires a generation
    after it stops being read. The first write of a generation unlinks the one before the previous: UNLINK frees a
    large hash off Redis's main thread, where an expiry would free it on it. The expiry is a backstop for a store
    that stops receiving mail.
]]
local VALUE_SHARDS = 4

local function generationKey(base, prefix, generation, singleMs, shard)
  return base .. prefix .. "g" .. math.floor(generation * singleMs / 1000) .. ":" .. shard
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

local function readValues(base, prefix, values, now, singleMs)
  local keys, keyed = {}, {}
  for i = 1, #values do
    keys[i] = base .. prefix .. values[i]
  end
  if #values == 0 then
    return keys, {}, keyed
  end
  local lists = redis.call("MGET", unpack(keys))
  local fields, at = {}, {}
  for i = 1, #values do
    if lists[i] then
      keyed[i] = true
    else
      local shard = shardOf(values[i])
      local names = fields[shard]
      if not names then
        names = {}
        fields[shard], at[shard] = names, {}
      end
      local n = #names + 1
      names[n], at[shard][n] = values[i], i
    end
  end
  local current = math.floor(now / singleMs)
  for generation = current, current - 1, -1 do
    for shard, names in pairs(fields) do
      local got = redis.call("HMGET", generationKey(base, prefix, generation, singleMs, shard), unpack(names))
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
  return keys, lists, keyed
end

local function writeGenerations(base, prefix, now, singleMs, values, lists)
  if #values == 0 then
    return
  end
  local args = {}
  for k = 1, #values do
    local shard = shardOf(values[k])
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
  local marker = base .. prefix .. "g"
  if (tonumber(redis.call("GET", marker) or "0") or 0) < current then
    redis.call("SET", marker, current, "PX", 3 * singleMs)
    for shard = 0, VALUE_SHARDS - 1 do
      redis.call("UNLINK", generationKey(base, prefix, current - 2, singleMs, shard))
    end
  end
end
