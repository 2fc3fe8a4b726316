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

--- A reader of lists starting at ARGV[from]: words() returns the next space-separated list, next() the next counted
--- list, at() the next index, skip(n) passes n.
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
    local out = {}
    for word in string.gmatch(ARGV[at], "%S+") do
      out[#out + 1] = word
    end
    at = at + 1
    return out
  end
  function reader.at()
    return at
  end
  function reader.skip(n)
    at = at + n
  end
  return reader
end
