-- Connect information for each address family miltertest can send: inet, inet6 and unknown ("unspec").
-- miltertest parses the address with inet_pton, so it cannot send Sendmail's "IPv6:" prefix nor the unix family 'L'.
-- Variables: dir, port.
dofile(dir .. "/lib.lua")

-- Every protocol bit but SMFIP_HDR_LEADSPC (0x1FFFFF without 0x100000), so header values come without the space.
local NO_LEADSPC = 0x0FFFFF

local function one(host, ip, protocol)
  local conn = open("inet:" .. port .. "@127.0.0.1", protocol)
  ok(mt.conninfo(conn, host, ip), "conninfo " .. ip)
  reply(conn, SMFIR_CONTINUE, "conninfo " .. ip)
  ok(mt.helo(conn, host), "helo")
  ok(mt.mailfrom(conn, "<sender@client.lab.local>"), "mailfrom")
  ok(mt.rcptto(conn, "<alice@box.lab>"), "rcptto")
  message(conn, "family " .. ip)
  step(conn, mt.eom(conn), SMFIR_CONTINUE, "eom")
  check(mt.eom_check(conn, MT_HDRADD, "X-Floodgate-Test", hvalue(conn, "tagged")), "not tagged")
  ok(mt.disconnect(conn), "disconnect")
end

run("families", function()
  one("v4.client.lab.local", "192.0.2.8")
  one("v6.client.lab.local", "2001:db8::8")
  one("unknown.client.lab.local", "unspec", NO_LEADSPC)
end)
