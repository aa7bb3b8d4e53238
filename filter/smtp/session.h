// session.h - the server side of one SMTP session as a pure state machine (RFC 5321).
//
// The I/O layer feeds it one command line at a time and gets a Decision back: either a
// reply to send now, or an action that needs the downstream MTA (MAIL, RCPT, DATA, RSET)
// or the TLS layer (STARTTLS), whose outcome it reports back with the *Done() methods.
// No I/O, no clock, no allocation beyond the transaction it holds: the fuzz target and the
// unit tests drive it directly.
//
// Promise: every line gets exactly one reply; bad syntax, bad sequence, unknown commands
// and over-long lines get their RFC reply codes; a client that keeps erring is closed with
// 421 after kMaxErrors. Thread-safety: none (one session belongs to one coroutine).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::smtp {

// One reply: a code and its text lines (the enhanced status code is part of the text).
struct Reply {
  int code = 0;
  std::vector<std::string> lines;
  // "250-a\r\n250 b\r\n"; an empty reply renders nothing.
  std::string Render() const;
  // Render(), appended to *out (no temporary string).
  void AppendTo(std::string* out) const;
  bool positive() const { return code >= 200 && code < 400; }
};
Reply MakeReply(int code, std::string text);

struct SessionSettings {
  std::string hostname = "localhost";
  size_t max_message_bytes = 50 * 1024 * 1024;
  uint32_t max_recipients = 1000;
  bool tls_available = false;  // a certificate is configured
  bool trusted = false;        // client may send XFORWARD/XCLIENT
};

// Who the client is: from the socket, replaced by XFORWARD/XCLIENT from trusted hosts.
struct ClientFacts {
  std::string addr;
  std::string name;  // reverse name if known, else "[addr]"-style unknown
  std::string port;
  std::string helo;
  std::string proto;       // SMTP / ESMTP
  bool forwarded = false;  // facts came from XFORWARD/XCLIENT
};

// The envelope of the transaction in progress.
struct Transaction {
  std::string mail_from;
  std::vector<std::string> rcpts;  // recipients the downstream accepted
  size_t declared_size = 0;
  bool body_8bit = false;
  bool smtputf8 = false;
  bool bdat = false;  // a BDAT chunk was taken: DATA is refused until the transaction ends
};

enum class Action {
  kReply,          // send `reply`
  kReplyAndClose,  // send `reply`, then close the connection
  kMail,           // open the downstream transaction with `path`; then MailDone()
  kRcpt,           // mirror RCPT `path` downstream; then RcptDone()
  kData,           // reply 354 (in `reply`), read the message, relay it; then DataDone()
  kRset,           // reset the downstream transaction, then send `reply`
  kStartTls,       // send `reply` (220), then do the TLS handshake; then TlsStarted()
  kBdat,           // read `chunk_size` bytes (RFC 3030). If `discard_chunk`, drop them and
                   // send `reply` (an error); else add them to the message, and on
                   // `last_chunk` relay it and call DataDone()
};

struct Decision {
  Action action = Action::kReply;
  Reply reply;
  std::string path;            // kMail: sender, kRcpt: recipient
  size_t chunk_size = 0;       // kBdat
  bool last_chunk = false;     // kBdat: BDAT ... LAST
  bool discard_chunk = false;  // kBdat: the chunk is refused but its bytes still follow
};

class ServerSession {
 public:
  static constexpr int kMaxErrors = 20;

  ServerSession(SessionSettings settings, ClientFacts client);

  Reply Greeting() const;
  // `line` is one command without its line ending.
  Decision OnCommand(std::string_view line);
  // A command line longer than the reader's limit (it was discarded up to its end).
  Decision OnLineTooLong();

  // Outcomes the I/O layer reports. On a refused MAIL or RCPT the caller relays the
  // downstream's reply itself; these only update the state.
  void MailDone(bool accepted);
  void RcptDone(bool accepted);
  void DataDone();  // the transaction is over whatever its outcome
  void TlsStarted();

  const Transaction& transaction() const { return txn_; }
  // The MAIL parameters of the last kMail decision, before MailDone().
  const Transaction& pending_mail() const { return pending_; }
  const ClientFacts& client() const { return client_; }
  const SessionSettings& settings() const { return settings_; }
  bool tls_active() const { return tls_active_; }
  bool in_transaction() const { return state_ >= State::kMail; }

 private:
  enum class State { kConnected, kGreeted, kMail, kRcpt };

  // Counts an error: the reply, or 421 and close once kMaxErrors are reached.
  Decision Error(int code, std::string text);
  // Error() for a parser's "CODE text" Status message.
  Decision ErrorStatus(const std::string& message);
  Decision Hello(std::string_view arg, bool extended);
  Decision Mail(std::string_view arg);
  Decision Rcpt(std::string_view arg);
  Decision Data(std::string_view arg, bool has_space);
  Decision Forward(std::string_view arg, bool xclient);
  Decision StartTls(std::string_view arg);
  Decision Bdat(std::string_view arg);
  std::vector<std::string> EhloKeywords() const;

  SessionSettings settings_;
  ClientFacts client_;
  State state_ = State::kConnected;
  bool esmtp_ = false;
  bool tls_active_ = false;
  int errors_ = 0;
  Transaction txn_;
  Transaction pending_;       // MAIL parameters until the downstream answered
  std::string pending_rcpt_;  // the RCPT path until the downstream answered
};

}  // namespace sluice::smtp
