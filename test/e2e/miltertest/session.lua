-- One whole session over TCP: negotiation, connect (inet), helo, envfrom with ESMTP args, envrcpt, headers, end of
-- headers, body, end of message with the header added, then a changed header on a second message.
-- Variables: dir (this folder), port (the milter's TCP port).
dofile(dir .. "/lib.lua")

run("session", function()
  local conn = open("inet:" .. port .. "@127.0.0.1")
  -- milter-protocol.md §1.5: the actions Floodgate asks for are a subset of what was offered.
  check(mt.test_action(conn, SMFIF_ADDHDRS), "SMFIF_ADDHDRS not requested")
  check(mt.test_action(conn, SMFIF_CHGHDRS), "SMFIF_CHGHDRS not requested")

  mt.macro(conn, SMFIC_CONNECT, "j", "mta.lab.local", "{daemon_name}", "lab")
  step(conn, mt.conninfo(conn, "client.lab.local", "192.0.2.7"), SMFIR_CONTINUE, "conninfo")
  step(conn, mt.helo(conn, "client.lab.local"), SMFIR_CONTINUE, "helo")

  mt.macro(conn, SMFIC_MAIL, "i", "MT1", "{mail_addr}", "sender@client.lab.local")
  step(conn, mt.mailfrom(conn, "<sender@client.lab.local>", "SIZE=1234", "BODY=8BITMIME"), SMFIR_CONTINUE, "mailfrom")
  step(conn, mt.rcptto(conn, "<alice@box.lab>", "NOTIFY=NEVER"), SMFIR_CONTINUE, "rcptto")
  step(conn, mt.data(conn), SMFIR_CONTINUE, "data")
  message(conn, "tag")
  step(conn, mt.eom(conn), SMFIR_CONTINUE, "eom")
  check(mt.eom_check(conn, MT_HDRADD, "X-Floodgate-Test", hvalue(conn, "tagged")), "X-Floodgate-Test: tagged not added")
  check(not mt.eom_check(conn, MT_HDRCHANGE), "a header was changed on a tag message")

  -- A second message on the same connection: the Subject is changed (index 1 = the first Subject).
  step(conn, mt.mailfrom(conn, "<sender@client.lab.local>"), SMFIR_CONTINUE, "mailfrom 2")
  step(conn, mt.rcptto(conn, "<bob@box.lab>"), SMFIR_CONTINUE, "rcptto 2")
  message(conn, "change")
  step(conn, mt.eom(conn), SMFIR_CONTINUE, "eom 2")
  check(mt.eom_check(conn, MT_HDRCHANGE, "Subject", hvalue(conn, "changed by Floodgate")), "Subject not changed")
  check(mt.eom_check(conn, MT_HDRADD, "X-Floodgate-Test", hvalue(conn, "tagged")), "X-Floodgate-Test not added to message 2")
  ok(mt.disconnect(conn), "disconnect")
end)
