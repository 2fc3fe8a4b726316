-- Shared helpers for the miltertest scripts (loaded with dofile(dir .. "/lib.lua"); `dir` comes from -D dir=...).
-- Every check raises a Lua error with a message; run() prints it and fails the script (exit code 1), because an
-- uncaught error at top level makes miltertest exit 1 and print nothing (real-mta-lab.md).

function check(cond, what)
  if not cond then error(what, 2) end
end

-- A call that returns nil on success and an error string otherwise (the miltertest convention).
function ok(result, what)
  if result ~= nil then error(what .. ": " .. tostring(result), 2) end
end

-- The last reply must be `want` (an SMFIR_* constant, a one-character string).
function reply(conn, want, what)
  local got = mt.getreply(conn)
  if got ~= want then
    error(string.format("%s: reply %q, expected %q", what, tostring(got), tostring(want)), 2)
  end
end

-- One step of the protocol and the reply the milter owes for it.
function step(conn, result, want, what)
  if result ~= nil then error(what .. ": " .. tostring(result), 2) end
  reply(conn, want, what)
end

-- Connect to the milter at `spec` (e.g. inet:PORT@127.0.0.1 or unix:/path) and negotiate: by default what
-- libmilter's current version offers (as Postfix and Sendmail do), or the given protocol mask.
function open(spec, protocol)
  local conn = mt.connect(spec, 20, 0.1)
  check(conn ~= nil, "mt.connect(" .. spec .. ") failed")
  ok(mt.negotiate(conn, nil, nil, protocol), "mt.negotiate")
  return conn
end

-- A header value as the milter sends it: milter-protocol.md §1.4, with SMFIP_HDR_LEADSPC negotiated the milter
-- supplies the leading space itself; without it the MTA adds one.
function hvalue(conn, v)
  if mt.test_option(conn, SMFIP_HDR_LEADSPC) then return " " .. v end
  return v
end

-- Send headers, end of headers and a body, checking each reply the milter owes (none for no-reply stages).
function message(conn, subject, body)
  step(conn, mt.header(conn, "From", "<sender@client.lab.local>"), SMFIR_CONTINUE, "header From")
  ok(mt.header(conn, "To", "<alice@box.lab>"), "header To")
  step(conn, mt.header(conn, "Subject", subject), SMFIR_CONTINUE, "header Subject")
  step(conn, mt.eoh(conn), SMFIR_CONTINUE, "eoh")
  step(conn, mt.bodystring(conn, body or "Hello from miltertest.\r\n"), SMFIR_CONTINUE, "body")
end

-- Run `main` protected: print PASS or the failure, and fail the script on error.
function run(name, main)
  local good, err = pcall(main)
  if good then
    mt.echo("PASS " .. name)
  else
    mt.echo("FAIL " .. name .. ": " .. tostring(err))
    error(err, 0)
  end
end
