-- Abort, then a second message on the same connection (milter-protocol.md §1.1: one connection carries several
-- messages; an aborted transaction must not leak into the next one). The milter is reached over a unix socket.
-- Variables: dir, sock (the milter's unix socket path).
dofile(dir .. "/lib.lua")

run("abort", function()
  local conn = open("unix:" .. sock)
  ok(mt.conninfo(conn, "client.lab.local", "127.0.0.1"), "conninfo")
  ok(mt.helo(conn, "client.lab.local"), "helo")
  ok(mt.mailfrom(conn, "<first@client.lab.local>"), "mailfrom 1")
  ok(mt.rcptto(conn, "<alice@box.lab>"), "rcptto 1")
  message(conn, "reject", "this message is aborted before its end\r\n")
  ok(mt.abort(conn), "abort")

  step(conn, mt.mailfrom(conn, "<second@client.lab.local>"), SMFIR_CONTINUE, "mailfrom 2")
  step(conn, mt.rcptto(conn, "<bob@box.lab>"), SMFIR_CONTINUE, "rcptto 2")
  message(conn, "tag")
  step(conn, mt.eom(conn), SMFIR_CONTINUE, "eom 2")
  check(mt.eom_check(conn, MT_HDRADD, "X-Floodgate-Test", hvalue(conn, "tagged")), "second message not tagged")
  ok(mt.disconnect(conn), "disconnect")
end)
