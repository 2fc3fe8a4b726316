--[[
  Reading the fingerprint's arguments the scripts share: the space-separated limits, and the counted lists (a count,
  then that many values) that follow one another in ARGV.
]]
local function readNumbers(text)
  local out = {}
  for n in string.gmatch(text, "%S+") do
    out[#out + 1] = tonumber(n)
  end
  return out
end

--- A reader of counted lists starting at ARGV[from]: next() returns the next list, at() the next index, skip(n) passes n.
local function countedLists(from)
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
  function reader.at()
    return at
  end
  function reader.skip(n)
    at = at + n
  end
  return reader
end
