--[[
  Reading the fingerprint's arguments the scripts share: the space-separated limits, and the lists that follow one
  another in ARGV, each either one argument of space-separated values (numbers: the MinHash values, a hundred and
  more per message, cost the client and the server far less as one argument than as one each) or counted (a count,
  then that many arguments: recipients, which may hold spaces).
]]
local function readNumbers(text)
  local out = {}
  for n in string.gmatch(text, "%S+") do
    out[#out + 1] = tonumber(n)
  end
  return out
end

--- The words of a list written with single spaces (the callers' decimals()), as string.gmatch(text, "%S+") finds
--- them in text of words and spaces: a plain find per word costs Redis half of what the pattern does, over a
--- hundred values a message.
local function splitWords(text)
  local out, n, from = {}, 0, 1
  local find, sub = string.find, string.sub
  while true do
    local space = find(text, " ", from, true)
    local to = space and space - 1 or #text
    if to >= from then
      n = n + 1
      out[n] = sub(text, from, to)
    end
    if not space then
      return out
    end
    from = space + 1
  end
end

--- splitWords' walk, counting instead of listing: of the words of `text`, how many there are, how many are in
--- `common`, and how many of the others are in `mine` (nil: none counted); each word is also set in `into` when
--- given. A candidate's verification (includes/sampledIndex) walks sketches of a hundred values and more, of which a
--- list would only be garbage; a call per word, to share the walk with splitWords, would cost what that saves.
local function tallyWords(text, common, mine, into)
  local count, inCommon, inMine, from = 0, 0, 0, 1
  local find, sub = string.find, string.sub
  while true do
    local space = find(text, " ", from, true)
    local to = space and space - 1 or #text
    if to >= from then
      count = count + 1
      local value = sub(text, from, to)
      if into then
        into[value] = true
      end
      if common[value] then
        inCommon = inCommon + 1
      elseif mine and mine[value] then
        inMine = inMine + 1
      end
    end
    if not space then
      return count, inCommon, inMine
    end
    from = space + 1
  end
end

--- A reader of lists starting at ARGV[from]: words() returns the next space-separated list, next() the next counted
--- list, one() the next argument as it is.
local function argLists(from)
  local at = from
  local reader = {}
  function reader.next()
    local n = tonumber(ARGV[at])
    local out = {}
    for i = 1, n do
      out[i] = ARGV[at + i]
    end
    at = at + n + 1
    return out
  end
  function reader.words()
    local out = splitWords(ARGV[at])
    at = at + 1
    return out
  end
  function reader.one()
    at = at + 1
    return ARGV[at - 1]
  end
  return reader
end
