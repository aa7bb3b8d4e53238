-- policy.lua - outbound and failure policy conversations against a running `sluice serve`.
-- run: miltertest -D sock=inet:PORT@127.0.0.1 -D case=NAME -s policy.lua
-- Prints "ok - name" / "FAIL - name" per check; exits non-zero when any check failed.
-- miltertest exits 1 silently on a Lua error (mta-recipes.md §4): everything runs in pcall.

local failed = 0
local function check(name, cond)
  if cond then print("ok   - " .. name) else print("FAIL - " .. name); failed = failed + 1 end
end

local function open(client_ip)
  local conn = mt.connect(sock, 40, 0.25)
  assert(conn, "cannot connect to " .. sock)
  mt.set_timeout(30)
  assert(mt.conninfo(conn, "client.example", client_ip) == nil, "conninfo")
  assert(mt.helo(conn, "client.example") == nil, "helo")
  return conn
end

-- MAIL FROM with an optional authenticated user; returns sluice's reply to MAIL.
local function mail(conn, from, auth_user)
  if auth_user then
    assert(mt.macro(conn, SMFIC_MAIL, "{auth_authen}", auth_user) == nil, "macro")
  end
  assert(mt.mailfrom(conn, from) == nil, "mailfrom")
  return mt.getreply(conn)
end

-- The rest of a transaction after MAIL: one recipient, headers, body chunks (each under the
-- milter protocol's 64 KB packet limit), end of message.
local function finish(conn, subject, msgid, body_chunks)
  assert(mt.rcptto(conn, "<bob@example.net>") == nil, "rcptto")
  assert(mt.data(conn) == nil, "data")
  assert(mt.header(conn, "Subject", subject) == nil, "header")
  assert(mt.header(conn, "Message-ID", msgid) == nil, "header")
  assert(mt.eoh(conn) == nil, "eoh")
  for _, chunk in ipairs(body_chunks) do assert(mt.bodystring(conn, chunk) == nil, "body") end
  assert(mt.eom(conn) == nil, "eom")
  return mt.getreply(conn)
end

local REJECT_ME = {"sluice-test-reject-me\r\n"}  -- test_rules.yaml: score 20

-- The same spam from an ordinary client: MAIL continues, end of message rejects it.
local function inbound_rejected(from, msgid)
  local conn = open("198.51.100.7")
  check("inbound: MAIL answered continue", mail(conn, "<" .. from .. "@example.org>", nil) == SMFIR_CONTINUE)
  local r = finish(conn, "inbound", "<" .. msgid .. "@example.org>", REJECT_ME)
  check("inbound: same spam rejected", r == SMFIR_REPLYCODE and
        mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "Message rejected as spam"))
  mt.disconnect(conn)
end

local cases = {}

-- skip_outbound: true. MAIL is no-reply (miltertest offers it; miltertest then reports
-- CONTINUE itself), so authenticated mail and mail from a trusted network are accepted at end
-- of message, without scoring and without a header added; the same spam from an ordinary
-- client is rejected.
cases.skip = function()
  local conn = open("198.51.100.7")
  check("authenticated: MAIL not answered (no-reply)",
        mail(conn, "<auth-skip@example.org>", "alice") == SMFIR_CONTINUE)
  local r = finish(conn, "outbound", "<policy-auth-skip@example.org>", REJECT_ME)
  check("authenticated: accepted at end of message", r == SMFIR_ACCEPT)
  check("authenticated: not scored (no X-Spam-Status)", not mt.eom_check(conn, MT_HDRADD, "X-Spam-Status"))
  mt.disconnect(conn)

  conn = open("192.0.2.9")
  mail(conn, "<trusted-skip@example.org>", nil)
  r = finish(conn, "outbound", "<policy-trusted-skip@example.org>", REJECT_ME)
  check("trusted network: accepted at end of message", r == SMFIR_ACCEPT)
  check("trusted network: not scored (no X-Spam-Status)", not mt.eom_check(conn, MT_HDRADD, "X-Spam-Status"))
  mt.disconnect(conn)

  inbound_rejected("inbound", "policy-inbound")
end

-- skip_outbound_at_mail: true (the old way): MAIL is answered, and outbound mail is accepted
-- there, before its content is sent; inbound mail goes on as usual.
cases.skip_at_mail = function()
  local conn = open("198.51.100.7")
  check("authenticated: MAIL answered accept (not scored)",
        mail(conn, "<auth-skip-mail@example.org>", "alice") == SMFIR_ACCEPT)
  mt.disconnect(conn)

  conn = open("192.0.2.9")
  check("trusted network: MAIL answered accept (not scored)",
        mail(conn, "<trusted-skip-mail@example.org>", nil) == SMFIR_ACCEPT)
  mt.disconnect(conn)

  inbound_rejected("inbound-at-mail", "policy-inbound-at-mail")
end

-- skip_outbound: false with outbound_actions {add_header: 5, reject: 30}: authenticated
-- spam scoring 20 is scored and tagged under the outbound thresholds, not rejected.
cases.score_outbound = function()
  local conn = open("198.51.100.7")
  check("authenticated: MAIL answered continue (scored)",
        mail(conn, "<auth-scored@example.org>", "alice") == SMFIR_CONTINUE)
  local r = finish(conn, "outbound", "<policy-outbound@example.org>", REJECT_ME)
  check("outbound: not rejected under its own thresholds", r == SMFIR_CONTINUE or r == SMFIR_ACCEPT)
  check("outbound: X-Spam-Flag: YES", mt.getheader(conn, "X-Spam-Flag", 0) == "YES")
  mt.disconnect(conn)

  conn = open("198.51.100.7")
  mail(conn, "<inbound2@example.org>", nil)
  r = finish(conn, "inbound", "<policy-inbound2@example.org>", REJECT_ME)
  check("inbound: rejected under the inbound thresholds", r == SMFIR_REPLYCODE and
        mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "Message rejected as spam"))
  mt.disconnect(conn)
end

-- time_budget_ms: 0 and on_error: tempfail. Scoring ~1 MB (body, rawbody and full scans)
-- takes over 1 ms on any machine, so it is over the budget and ends in on_error's action.
cases.budget = function()
  local conn = open("198.51.100.7")
  mail(conn, "<budget@example.org>", nil)
  local chunk = string.rep("plain words of an ordinary letter, nothing more\r\n", 1200)
  local body = {}
  for i = 1, 16 do body[i] = chunk end
  local r = finish(conn, "long letter", "<policy-budget@example.org>", body)
  check("over the budget: 451 4.7.1", r == SMFIR_REPLYCODE and
        mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1", "Try again later"))
  mt.disconnect(conn)
end

local ok, err = pcall(cases[case])
if not ok then print("FAIL - lua error: " .. tostring(err)); failed = failed + 1 end
if failed > 0 then error(failed .. " check(s) failed") end
print("MILTERTEST PASSED " .. case)
