--[[
  Unlink one generation of the value index (includes/valueIndex), to free Redis's memory before it is full
  (src/ops/store-shedder.ts): the values that campaigns seen once claimed in that generation, most of the index.
  Those campaigns stay, found by their exact keys; a copy that differs no longer joins them by their values, as
  when the generation ends. UNLINK frees the hash off Redis's main thread.

  Input:
    KEYS[1] key base "<prefix>:{<prefix>}:"

    ARGV[1] the values' key prefix, "m<version>:"
    ARGV[2] now, Unix ms
    ARGV[3] a generation's length, ms (singleMs)
    ARGV[4] which: 1 the previous generation, 0 the current one

  Output: 1 when the generation was there, else 0.
]]
--- @include "includes/valueIndex"

local base, prefix = KEYS[1], ARGV[1]
local now, singleMs, back = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local generation = math.floor(now / singleMs) - back
return redis.call("UNLINK", generationKey(base, prefix, generation, singleMs))
