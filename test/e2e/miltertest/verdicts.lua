-- Verdicts as a milter client sees them: a rejected recipient gets SMFIR_REPLYCODE while another is accepted, a
-- rejected message and a tempfailed one get SMFIR_REPLYCODE with the policy's code and enhanced code (§1.9).
-- Variables: dir, port.
dofile(dir .. "/lib.lua")

run("verdicts", function()
  local conn = open("inet:" .. port .. "@127.0.0.1")
  ok(mt.conninfo(conn, "client.lab.local", "127.0.0.1"), "conninfo")
  ok(mt.helo(conn, "client.lab.local"), "helo")
  step(conn, mt.mailfrom(conn, "<sender@client.lab.local>"), SMFIR_CONTINUE, "mailfrom")
  step(conn, mt.rcptto(conn, "<reject-rcpt@box.lab>"), SMFIR_REPLYCODE, "rcptto reject-rcpt")
  step(conn, mt.rcptto(conn, "<alice@box.lab>"), SMFIR_CONTINUE, "rcptto alice")
  message(conn, "reject")
  step(conn, mt.eom(conn), SMFIR_REPLYCODE, "eom reject")
  -- MT_SMTPREPLY compares the whole reply, which is multi-line here (pinned exactly in test/e2e/mta-scenarios/reject-message.ts).
  check(not mt.eom_check(conn, MT_HDRADD), "a header was added to a rejected message")

  ok(mt.mailfrom(conn, "<sender@client.lab.local>"), "mailfrom 2")
  ok(mt.rcptto(conn, "<alice@box.lab>"), "rcptto 2")
  message(conn, "tempfail")
  step(conn, mt.eom(conn), SMFIR_REPLYCODE, "eom tempfail")
  check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1", "Test policy says: try again later"), "no 451 4.7.1 reply")
  ok(mt.disconnect(conn), "disconnect")
end)
