--[[
  The value index holds a sample of each message's MinHash values, and what it finds is verified on the whole
  sketches. Needs includes/readArgs (splitWords, tallyWords) and includes/findCampaign (votesNeeded,
  voteCampaigns).

  Only the values that are 0 modulo SAMPLE_MODULUS are looked up and claimed: a quarter of the bottom-128 sketch,
  chosen by value, so the same values in every copy that has them. A campaign named by at least INDEX_GATE of them
  (not common) is a candidate, and is joined only when the message's whole sketch and the sketch the campaign keeps
  (field minhash2 of its hash, or kept apart: the values of its first copy of this version) share `share` of their
  values, at least minVotes (the offline rule, src/fingerprint/minhash.ts sameCampaign), common text left out: the
  index values whose owner list is full, and for each such value the two sketches share, COMMON_SCALE more of the
  values the index never sees (it sees one in SAMPLE_MODULUS). The index costs Redis a quarter of the lookups and
  claims of indexing every value; see benchmarks/README, "The sampled index's false merges mended", for the figures.

  The sample is picked by the caller (src/fingerprint/value-sample.ts owns the rule): a script splits only the
  sampled values, and the whole sketch only to verify a candidate; a new campaign keeps it as the caller wrote it.
  isSampled is the same rule, for the sketches a campaign keeps (a block keeps their sampled values alive), which
  only the scripts read; a test checks that both agree.

  A sketch is packed (src/fingerprint/packed-values.ts: a MessagePack array of integers, which cmsgpack reads into
  numbers in C): the message's always; one a campaign keeps may also be decimal text separated by spaces, as hosts
  of earlier releases wrote it, and both are read. A verification walks whole sketches, and a number costs the walk
  nothing where a word of text costs it a new Lua string.

  readSketch(lists) -> the message's sketch from an argLists reader's next two arguments (the values, packed; the
    sampled ones, decimal and space-separated): { packed = the values as the caller packed them, sampled = the
    sampled values (strings, in order) }
  isSampled(value) -> whether a value (decimal text) is in the sample
  sampledOfSketch(sketch) -> the sampled values of a sketch (packed or text; nil or "" when none), as decimal text
  commonValues(values, holders, owners) -> the index values whose owner list is full, as a set (by their text and
    their number, for sketches of either form)
  verifyCandidates(base, candidates, packed, common, share, minVotes) -> of candidates (at least one), those (most
    votes first, at most VERIFY_LIMIT of them looked at) whose kept sketch passes the rule, or one of the sketches of
    the campaigns merged into it, which it keeps (MERGED_SKETCHES, includes/mergeCampaigns)
  findSampled(base, prefix, sketch, share, minVotes, owners, cache, now, singleMs, since) -> includes/findCampaign's
    voteCampaigns results for the sketch's sampled values (candidates, keys, holders, lists, keyed, resolved), the
    candidates narrowed to those verifyCandidates passes: the one rule observe, match and lookup apply
  keepOtherSketches(ckey, sketches) -> `sketches` (a table of up to four, false or nil where none) kept in the free
    MERGED_SKETCHES fields of a campaign's hash, in order, as many as are free: those of campaigns merged into it,
    and its own earlier one when a copy found by the earlier versions' keys replaces it

  Where a campaign keeps its own sketch: in its hash (field minhash2), or, while it has been seen once, in a key of
  its own (sketchKey: "c:<id>:k", the hash's field SKETCH_APART set) that lives as long as the values its first copy
  claimed in the generations can be read. Most mail is seen once, and kept in the hash the sketch would be most of
  what the store keeps of such a campaign for the ttl; its hash, exact key and counts stay, so that a copy or a report
  days later still finds it by its exact key. A copy that differs and comes after the sketch has expired is not joined
  to it, as after its values expire: it could then be named only through values it shares with campaigns seen more
  often, and it starts a campaign of its own. The copy, merge or block that keeps the campaign longer moves the sketch
  into the hash (sketchIntoHash).
  sketchKey(ckey) -> the key of a campaign's sketch kept apart
  sketchIntoHash(ckey, otherwise) -> the sketch now in the hash (nil when none): the one kept apart, moved there;
    `otherwise` (a sketch of this version, or nil) written instead when it is gone
]]
local SAMPLE_MODULUS = 4
local INDEX_GATE = 2
local VERIFY_LIMIT = 8
local COMMON_SCALE = SAMPLE_MODULUS - 1
-- The fields of a campaign's hash that keep the sketches of campaigns merged into it (includes/mergeCampaigns).
local MERGED_SKETCHES = { "minhash2m1", "minhash2m2", "minhash2m3" }
-- The field of a campaign's hash that says its own sketch is kept apart (see the header).
local SKETCH_APART = "ks"

local function sketchKey(ckey)
  return ckey .. ":k"
end

local function sketchIntoHash(ckey, otherwise)
  local apart = sketchKey(ckey)
  local sketch = redis.call("GET", apart) or otherwise
  if sketch then
    redis.call("HSET", ckey, "minhash2", sketch)
    redis.call("DEL", apart)
  end
  redis.call("HDEL", ckey, SKETCH_APART)
  return sketch
end

-- src/fingerprint/value-sample.ts isSampled, on text: the values are integers up to 2^53 in decimal (the callers'
-- decimals()), and 100 is a multiple of 4: the last two digits' remainder is the number's, without tonumber's
-- strtod.
local SAMPLE_ZERO, sampleByte = string.byte("0"), string.byte
local function isSampled(value)
  local tens, ones = sampleByte(value, -2, -1)
  if not ones then
    return ((tens or SAMPLE_ZERO) - SAMPLE_ZERO) % SAMPLE_MODULUS == 0
  end
  return (2 * (tens - SAMPLE_ZERO) + ones - SAMPLE_ZERO) % SAMPLE_MODULUS == 0
end

-- The first byte of a packed sketch (MessagePack's array of up to 65,535 elements); text starts with a digit.
local PACKED_SKETCH = 0xdc
local function isPacked(sketch)
  return sampleByte(sketch, 1) == PACKED_SKETCH
end

-- Lua's %.0f writes an integer below 2^53 as the callers' decimals() do: its digits, no sign, no exponent.
local function decimalOf(value)
  return string.format("%.0f", value)
end

local function sampledOfSketch(sketch)
  local out = {}
  if sketch and isPacked(sketch) then
    for _, value in ipairs(cmsgpack.unpack(sketch)) do
      if value % SAMPLE_MODULUS == 0 then
        out[#out + 1] = decimalOf(value)
      end
    end
    return out
  end
  for value in string.gmatch(sketch or "", "%S+") do
    if isSampled(value) then
      out[#out + 1] = value
    end
  end
  return out
end

local function readSketch(lists)
  local packed = lists.one()
  return { packed = packed, sampled = lists.words() }
end

local function commonValues(values, holders, owners)
  local common = {}
  for i = 1, #values do
    if #holders[i] >= owners then
      common[values[i]] = true
      local number = tonumber(values[i])
      if number then
        common[number] = true
      end
    end
  end
  return common
end

-- The message's own sketch (packed: the callers always pack it, src/reputation/observe-args.ts) as a set to look a
-- kept sketch's values up in (`set`: by number, and by text once a sketch of text has been walked), its size and how
-- many of its values are common.
local function ownValues(sketch, common)
  local values = cmsgpack.unpack(sketch)
  local set, inCommon = {}, 0
  for i = 1, #values do
    set[values[i]] = true
    if common[values[i]] then
      inCommon = inCommon + 1
    end
  end
  return { set = set, values = values, texts = false, size = #values, inCommon = inCommon }
end

-- Of a kept sketch's values: how many there are, how many are common, how many of the others are the message's.
local function tallySketch(sketch, common, own)
  if not isPacked(sketch) then
    if not own.texts then
      for i = 1, #own.values do
        own.set[decimalOf(own.values[i])] = true
      end
      own.texts = true
    end
    return tallyWords(sketch, common, own.set)
  end
  local values = cmsgpack.unpack(sketch)
  local set, inCommon, inOwn = own.set, 0, 0
  for i = 1, #values do
    local value = values[i]
    if common[value] then
      inCommon = inCommon + 1
    elseif set[value] then
      inOwn = inOwn + 1
    end
  end
  return #values, inCommon, inOwn
end

local function passes(sketch, own, common, share, minVotes)
  local count, commonTheirs, agree = tallySketch(sketch, common, own)
  local size, commonMine = own.size, own.inCommon
  agree = agree - COMMON_SCALE * commonTheirs
  local live = math.min(size - (1 + COMMON_SCALE) * commonMine, count - (1 + COMMON_SCALE) * commonTheirs)
  return live > 0 and agree >= votesNeeded(live, share, minVotes)
end

local function keepOtherSketches(ckey, sketches)
  local held = redis.call("HMGET", ckey, unpack(MERGED_SKETCHES))
  local args, next = {}, 1
  for k = 1, #MERGED_SKETCHES do
    while sketches[next] == false do
      next = next + 1
    end
    if not held[k] and sketches[next] then
      args[#args + 1], args[#args + 2] = MERGED_SKETCHES[k], sketches[next]
      next = next + 1
    end
  end
  if #args > 0 then
    redis.call("HSET", ckey, unpack(args))
  end
end

local function verifyCandidates(base, candidates, packed, common, share, minVotes)
  local own = ownValues(packed, common)
  local out = {}
  for k = 1, math.min(#candidates, VERIFY_LIMIT) do
    local ckey = base .. "c:" .. candidates[k][1]
    local kept = redis.call("HMGET", ckey, "minhash2", unpack(MERGED_SKETCHES))
    if not kept[1] then
      kept[1] = redis.call("GET", sketchKey(ckey))
    end
    for s = 1, #kept do
      if kept[s] and passes(kept[s], own, common, share, minVotes) then
        out[#out + 1] = candidates[k]
        break
      end
    end
  end
  return out
end

local function findSampled(base, prefix, sketch, share, minVotes, owners, cache, now, singleMs, since)
  local sampled = sketch.sampled
  local candidates, keys, holders, lists, keyed, resolved =
    voteCampaigns(base, prefix, sampled, 0, INDEX_GATE, owners, cache, now, singleMs, since)
  -- Most mail has no candidate: the common values are only gathered to verify one.
  if #candidates > 0 then
    local common = commonValues(sampled, holders, owners)
    candidates = verifyCandidates(base, candidates, sketch.packed, common, share, minVotes)
  end
  return candidates, keys, holders, lists, keyed, resolved
end
