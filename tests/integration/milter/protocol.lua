-- protocol.lua - milter protocol conversations against a running `sluice serve`.
-- run: miltertest -D sock=inet:PORT@127.0.0.1 -D case=NAME -s protocol.lua
-- Prints "ok - name" / "FAIL - name" per check; exits non-zero when any check failed.
-- miltertest exits 1 silently on a Lua error (mta-recipes.md §4): everything runs in pcall.

local failed = 0
local function check(name, cond)
  if cond then print("ok   - " .. name) else print("FAIL - " .. name); failed = failed + 1 end
end

local GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

local function open()
  local conn = mt.connect(sock, 40, 0.25)
  assert(conn, "cannot connect to " .. sock)
  mt.set_timeout(30)
  return conn
end

-- One transaction: envelope, headers, body chunks, end of message.
local function message(conn, from, rcpts, headers, body_chunks)
  assert(mt.mailfrom(conn, from) == nil, "mailfrom")
  check("mailfrom answered continue", mt.getreply(conn) == SMFIR_CONTINUE)
  for _, r in ipairs(rcpts) do
    assert(mt.rcptto(conn, r) == nil, "rcptto")
  end
  check("rcpt answered continue", mt.getreply(conn) == SMFIR_CONTINUE)
  assert(mt.data(conn) == nil, "data")
  check("data answered continue", mt.getreply(conn) == SMFIR_CONTINUE)
  for _, h in ipairs(headers) do assert(mt.header(conn, h[1], h[2]) == nil, "header") end
  assert(mt.eoh(conn) == nil, "eoh")
  check("eoh answered continue", mt.getreply(conn) == SMFIR_CONTINUE)
  for _, chunk in ipairs(body_chunks) do assert(mt.bodystring(conn, chunk) == nil, "body") end
  assert(mt.eom(conn) == nil, "eom")
  return mt.getreply(conn)
end

local cases = {}

-- Every callback on one connection, several messages, an abort (RSET) in the middle.
cases.session = function()
  local conn = open()
  check("negotiated add-headers", mt.test_action(conn, SMFIF_ADDHDRS))
  check("negotiated change-headers", mt.test_action(conn, SMFIF_CHGHDRS))
  check("negotiated quarantine", mt.test_action(conn, SMFIF_QUARANTINE))
  check("no body replacement asked", not mt.test_action(conn, SMFIF_CHGBODY))
  check("keeps the EOH step (answered, no stall)", not mt.test_option(conn, SMFIP_NOEOH))
  assert(mt.conninfo(conn, "client.example", "192.0.2.1") == nil, "conninfo")
  check("connect answered continue", mt.getreply(conn) == SMFIR_CONTINUE)
  assert(mt.helo(conn, "client.example") == nil, "helo")
  check("helo answered continue", mt.getreply(conn) == SMFIR_CONTINUE)

  -- 1: clean mail, two recipients -> accepted with X-Spam-Status: No
  local r = message(conn, "<alice@example.org>", {"<bob@example.net>", "<carol@example.net>"},
    {{"From", "Alice <alice@example.org>"}, {"Subject", "lunch on friday"},
     {"Message-ID", "<proto-clean@example.org>"}},
    {"Shall we meet at noon?\r\n", "Alice\r\n"})
  check("clean: accepted", r == SMFIR_CONTINUE or r == SMFIR_ACCEPT)
  local status = mt.getheader(conn, "X-Spam-Status", 0)
  check("clean: X-Spam-Status: No", status ~= nil and string.find(status, "^No, score=") ~= nil)
  check("clean: no X-Spam-Flag", not mt.eom_check(conn, MT_HDRADD, "X-Spam-Flag"))
  check("clean: Subject untouched", not mt.eom_check(conn, MT_HDRCHANGE, "Subject"))

  -- 2: aborted transaction (RSET after a header), nothing should leak into message 3
  assert(mt.mailfrom(conn, "<aborted@example.org>") == nil, "mailfrom")
  assert(mt.rcptto(conn, "<bob@example.net>") == nil, "rcptto")
  assert(mt.header(conn, "Subject", "never finished sluice-test-reject-me") == nil, "header")
  assert(mt.abort(conn) == nil, "abort")

  -- 3: tagged: Subject rewritten, SpamAssassin headers
  r = message(conn, "<spammer@example.com>", {"<bob@example.net>"},
    {{"Subject", "special offer"}, {"Message-ID", "<proto-tag@example.com>"}},
    {"buy now sluice-test-tag-me\r\n"})
  check("tag: accepted", r == SMFIR_CONTINUE or r == SMFIR_ACCEPT)
  check("tag: Subject rewritten", mt.eom_check(conn, MT_HDRCHANGE, "Subject", "[SPAM] special offer"))
  check("tag: X-Spam-Flag: YES", mt.getheader(conn, "X-Spam-Flag", 0) == "YES")
  status = mt.getheader(conn, "X-Spam-Status", 0) or ""
  check("tag: X-Spam-Status: Yes with the rule", string.find(status, "^Yes, score=") ~= nil and
        string.find(status, "SLUICE_TEST_TAG", 1, true) ~= nil)
  check("tag: aborted message's rule did not leak", string.find(status, "SLUICE_TEST_REJECT", 1, true) == nil)

  -- 4: quarantine
  r = message(conn, "<hold@example.com>", {"<bob@example.net>"},
    {{"Subject", "hold this"}}, {"sluice-test-hold-me\r\n"})
  check("hold: quarantined", mt.eom_check(conn, MT_QUARANTINE))

  -- 5: GTUBE -> 550 5.7.1
  r = message(conn, "<gtube@example.com>", {"<bob@example.net>"},
    {{"Subject", "gtube"}, {"Message-ID", "<proto-gtube@example.com>"}}, {GTUBE .. "\r\n"})
  check("gtube: replycode", r == SMFIR_REPLYCODE)
  check("gtube: 550 5.7.1", mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "Message rejected as spam"))

  -- 6: after a reject the connection still serves mail
  r = message(conn, "<alice@example.org>", {"<bob@example.net>"},
    {{"Subject", "after reject"}}, {"still here\r\n"})
  check("after reject: accepted", r == SMFIR_CONTINUE or r == SMFIR_ACCEPT)
  mt.disconnect(conn)
end

-- A huge message (spills, is scanned up to max_scan_bytes) and a malformed one.
cases.huge = function()
  local conn = open()
  mt.conninfo(conn, "big.example", "192.0.2.2")
  assert(mt.mailfrom(conn, "<big@example.org>") == nil, "mailfrom")
  assert(mt.rcptto(conn, "<bob@example.net>") == nil, "rcptto")
  assert(mt.header(conn, "Subject", "big one") == nil, "header")
  assert(mt.header(conn, "Message-ID", "<proto-huge@example.org>") == nil, "header")
  assert(mt.eoh(conn) == nil, "eoh")
  assert(mt.bodyrandom(conn, 3000000) == nil, "bodyrandom")
  assert(mt.eom(conn) == nil, "eom")
  local r = mt.getreply(conn)
  check("huge: answered", r == SMFIR_CONTINUE or r == SMFIR_ACCEPT)
  check("huge: status header", mt.getheader(conn, "X-Spam-Status", 0) ~= nil)

  -- malformed: a header with raw 8-bit and NUL-free junk, a broken MIME structure, CRs
  local r2 = message(conn, "<>", {"<bob@example.net>"},
    {{"Subject", "=?utf-8?B?broken===?= \255\254"}, {"Content-Type", "multipart/mixed; boundary="},
     {"Message-ID", "<proto-malformed@example.org>"}, {"X-Junk", "\r\r\r"}},
    {"--\r\n--nope\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!****\r\n", string.rep("A", 40000), string.rep("\1\2\3\255", 5000)})
  check("malformed: answered", r2 == SMFIR_CONTINUE or r2 == SMFIR_ACCEPT)
  mt.disconnect(conn)
end

-- The client vanishes mid-message (no quit, socket closed).
cases.vanish = function()
  local conn = open()
  mt.conninfo(conn, "gone.example", "192.0.2.3")
  assert(mt.mailfrom(conn, "<gone@example.org>") == nil, "mailfrom")
  assert(mt.rcptto(conn, "<bob@example.net>") == nil, "rcptto")
  assert(mt.header(conn, "Subject", "half a message") == nil, "header")
  assert(mt.bodystring(conn, "and then the MTA went away") == nil, "body")
  mt.disconnect(conn, false)
  check("vanish: closed without quit", true)
end

-- Scoring fails (spill file cannot be written) and on_error is tempfail: 451 4.7.1.
cases.tempfail = function()
  local conn = open()
  mt.conninfo(conn, "client.example", "192.0.2.4")
  local r = message(conn, "<alice@example.org>", {"<bob@example.net>"},
    {{"Subject", "too big to buffer"}, {"Message-ID", "<proto-tempfail@example.org>"}},
    {string.rep("0123456789", 1000) .. "\r\n"})
  check("error: replycode", r == SMFIR_REPLYCODE)
  check("error: 451 4.7.1", mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1", "Try again later"))
  mt.disconnect(conn)
end

-- One tagged message, for reload checks: prints the rewritten Subject.
cases.tag = function()
  local conn = open()
  mt.conninfo(conn, "client.example", "192.0.2.5")
  local r = message(conn, "<spammer@example.com>", {"<bob@example.net>"},
    {{"Subject", "again"}, {"Message-ID", "<proto-reload-" .. (tag_id or "x") .. "@example.com>"}},
    {"sluice-test-tag-me\r\n"})
  check("tag: accepted", r == SMFIR_CONTINUE or r == SMFIR_ACCEPT)
  check("tag: Subject is " .. expect, mt.eom_check(conn, MT_HDRCHANGE, "Subject", expect))
  mt.disconnect(conn)
end

local ok, err = pcall(cases[case])
if not ok then print("FAIL - lua error: " .. tostring(err)); failed = failed + 1 end
if failed > 0 then error(failed .. " check(s) failed") end
print("MILTERTEST PASSED " .. case)
