// session.cc - the SMTP server state machine; see session.h.
#include "filter/smtp/session.h"

#include <algorithm>
#include <charconv>

#include "filter/smtp/command.h"

namespace sluice::smtp {

std::string Reply::Render() const {
  std::string out;
  AppendTo(&out);
  return out;
}

void Reply::AppendTo(std::string* out) const {
  if (code == 0) return;
  char code_text[16];
  const size_t code_len = static_cast<size_t>(
      std::to_chars(code_text, code_text + sizeof code_text, code).ptr - code_text);
  if (lines.empty()) {
    out->append(code_text, code_len);
    out->append(" \r\n");
    return;
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    out->append(code_text, code_len);
    out->push_back((i + 1 < lines.size()) ? '-' : ' ');
    out->append(lines[i]);
    out->append("\r\n");
  }
}

Reply MakeReply(int code, std::string text) {
  Reply reply;
  reply.code = code;
  reply.lines.push_back(std::move(text));
  return reply;
}

namespace {

Decision Say(int code, std::string text) {
  Decision d;
  d.reply = MakeReply(code, std::move(text));
  return d;
}

// A Status message from the parser is "CODE text"; split it back into a reply.
Decision SayStatus(const std::string& message) {
  int code = 501;
  std::from_chars(message.data(), message.data() + std::min<size_t>(3, message.size()), code);
  return Say(code, message.size() > 4 ? message.substr(4) : "5.5.4 Syntax error");
}

}  // namespace

ServerSession::ServerSession(SessionSettings settings, ClientFacts client)
    : settings_(std::move(settings)), client_(std::move(client)) {}

Reply ServerSession::Greeting() const {
  return MakeReply(220, settings_.hostname + " ESMTP sluice");
}

Decision ServerSession::Error(int code, std::string text) {
  if (++errors_ >= kMaxErrors) {
    Decision d = Say(421, "4.7.0 " + settings_.hostname + " Error: too many errors");
    d.action = Action::kReplyAndClose;
    return d;
  }
  return Say(code, std::move(text));
}

Decision ServerSession::ErrorStatus(const std::string& message) {
  Decision d = SayStatus(message);
  return Error(d.reply.code, std::move(d.reply.lines[0]));
}

Decision ServerSession::OnLineTooLong() { return Error(500, "5.5.2 Error: line too long"); }

Decision ServerSession::OnCommand(std::string_view line) {
  if (line.find('\0') != std::string_view::npos) {
    return Error(500, "5.5.2 Error: NUL character in command");
  }
  Command cmd = ParseCommand(line);
  switch (cmd.verb) {
    case Verb::kHelo:
      return Hello(cmd.arg, false);
    case Verb::kEhlo:
      return Hello(cmd.arg, true);
    case Verb::kMail:
      return Mail(cmd.arg);
    case Verb::kRcpt:
      return Rcpt(cmd.arg);
    case Verb::kData:
      return Data(cmd.arg, cmd.has_space);
    case Verb::kRset: {
      if (!cmd.arg.empty()) return Error(501, "5.5.4 Syntax: RSET");
      Decision d = Say(250, "2.0.0 Ok");
      d.action = Action::kRset;
      if (state_ > State::kGreeted) state_ = State::kGreeted;
      txn_ = Transaction{};
      return d;
    }
    case Verb::kNoop:
      return Say(250, "2.0.0 Ok");
    case Verb::kQuit: {
      Decision d = Say(221, "2.0.0 Bye");
      d.action = Action::kReplyAndClose;
      return d;
    }
    case Verb::kHelp:
      return Say(214, "2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT HELP VRFY");
    case Verb::kVrfy:
      // Never confirm an address (RFC 5321 §7.3); 252 says "send it and see".
      if (cmd.arg.empty()) return Error(501, "5.5.4 Syntax: VRFY address");
      return Say(252, "2.0.0 Cannot VRFY user; try RCPT to attempt delivery");
    case Verb::kExpn:
      return Say(502, "5.5.1 EXPN not available");
    case Verb::kSend:
    case Verb::kSoml:
    case Verb::kSaml:
    case Verb::kTurn:
      return Error(502, "5.5.1 Error: command not implemented");
    case Verb::kStartTls:
      return StartTls(cmd.arg);
    case Verb::kBdat:
      return Bdat(cmd.arg);
    case Verb::kXforward:
      return Forward(cmd.arg, false);
    case Verb::kXclient:
      return Forward(cmd.arg, true);
    case Verb::kUnknown:
      break;
  }
  return Error(500, "5.5.2 Error: command not recognized");
}

std::vector<std::string> ServerSession::EhloKeywords() const {
  std::vector<std::string> keywords = {
      settings_.hostname,
      "PIPELINING",
      "SIZE " + std::to_string(settings_.max_message_bytes),
      "8BITMIME",
      "ENHANCEDSTATUSCODES",
      "SMTPUTF8",
      "CHUNKING",
  };
  if (settings_.tls_available && !tls_active_) keywords.push_back("STARTTLS");
  if (settings_.trusted) {
    keywords.push_back("XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT");
    keywords.push_back("XCLIENT NAME ADDR PROTO HELO PORT LOGIN");
  }
  keywords.push_back("HELP");
  return keywords;
}

Decision ServerSession::Hello(std::string_view arg, bool extended) {
  if (arg.empty())
    return Error(501, std::string("5.5.4 Syntax: ") + (extended ? "EHLO" : "HELO") + " hostname");
  if (arg.size() > 255) return Error(501, "5.5.4 Error: hostname too long");
  // EHLO/HELO resets any transaction (RFC 5321 §4.1.4).
  txn_ = Transaction{};
  state_ = State::kGreeted;
  esmtp_ = extended;
  if (!client_.forwarded || client_.helo.empty()) client_.helo = std::string(arg);
  if (!client_.forwarded || client_.proto.empty()) client_.proto = extended ? "ESMTP" : "SMTP";
  Decision d;
  d.action = Action::kRset;  // the downstream transaction, if any, is gone too
  if (!extended) {
    d.reply = MakeReply(250, settings_.hostname);
    return d;
  }
  d.reply.code = 250;
  d.reply.lines = EhloKeywords();
  return d;
}

Decision ServerSession::Mail(std::string_view arg) {
  if (state_ == State::kConnected) return Error(503, "5.5.1 Error: send HELO/EHLO first");
  if (state_ != State::kGreeted) return Error(503, "5.5.1 Error: nested MAIL command");
  Result<PathArgs> path = ParsePath(arg, "FROM", /*allow_null=*/true);
  if (!path.ok()) return ErrorStatus(path.status().message());
  Transaction txn;
  for (const auto& [key, value] : path->params) {
    if (!esmtp_) return Error(555, "5.5.4 Error: parameters need EHLO");
    if (key == "SIZE") {
      size_t size = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), size);
      const bool digits = !value.empty() && ptr == value.data() + value.size();
      // All digits but more than 64 bits hold: a size, too big (RFC 1870: 552, not 501).
      if (digits && ec == std::errc::result_out_of_range) {
        return Say(552, "5.3.4 Message size exceeds fixed limit");
      }
      if (ec != std::errc() || !digits) {
        return Error(501, "5.5.4 Bad SIZE parameter");
      }
      if (size > settings_.max_message_bytes) {
        return Say(552, "5.3.4 Message size exceeds fixed limit");
      }
      txn.declared_size = size;
    } else if (key == "BODY") {
      if (value == "8BITMIME" || value == "8bitmime") {
        txn.body_8bit = true;
      } else if (value != "7BIT" && value != "7bit") {
        return Error(501, "5.5.4 Bad BODY parameter");
      }
    } else if (key == "SMTPUTF8") {
      if (!value.empty()) return Error(501, "5.5.4 Bad SMTPUTF8 parameter");
      txn.smtputf8 = true;
    } else {
      return Error(555, "5.5.4 Unsupported option: " + key);
    }
  }
  if (HasNonAscii(path->address) && !txn.smtputf8) {
    return Error(553, "5.6.7 Non-ASCII address requires SMTPUTF8");
  }
  txn.mail_from = path->address;
  pending_ = std::move(txn);
  Decision d;
  d.action = Action::kMail;
  d.path = path->address;
  return d;
}

void ServerSession::MailDone(bool accepted) {
  if (!accepted) return;
  txn_ = std::move(pending_);
  pending_ = Transaction{};
  state_ = State::kMail;
}

Decision ServerSession::Rcpt(std::string_view arg) {
  if (state_ < State::kMail) return Error(503, "5.5.1 Error: need MAIL command");
  Result<PathArgs> path = ParsePath(arg, "TO", /*allow_null=*/false);
  if (!path.ok()) return ErrorStatus(path.status().message());
  if (!path->params.empty())
    return Error(555, "5.5.4 Unsupported option: " + path->params[0].first);
  if (HasNonAscii(path->address) && !txn_.smtputf8) {
    return Error(553, "5.6.7 Non-ASCII address requires SMTPUTF8");
  }
  if (txn_.rcpts.size() >= settings_.max_recipients) {
    return Say(452, "4.5.3 Error: too many recipients");
  }
  pending_rcpt_ = path->address;
  Decision d;
  d.action = Action::kRcpt;
  d.path = path->address;
  return d;
}

void ServerSession::RcptDone(bool accepted) {
  if (!accepted) return;
  txn_.rcpts.push_back(std::move(pending_rcpt_));
  state_ = State::kRcpt;
}

Decision ServerSession::Data(std::string_view arg, bool has_space) {
  if (!arg.empty() || has_space) return Error(501, "5.5.4 Syntax: DATA");
  if (state_ == State::kConnected || state_ == State::kGreeted) {
    return Error(503, "5.5.1 Error: need MAIL command");
  }
  if (state_ == State::kMail) return Error(554, "5.5.1 Error: no valid recipients");
  // RFC 3030 §2: BDAT and DATA must not be mixed in one transaction.
  if (txn_.bdat) return Error(503, "5.5.1 Error: DATA not allowed after BDAT");
  Decision d = Say(354, "End data with <CR><LF>.<CR><LF>");
  d.action = Action::kData;
  return d;
}

void ServerSession::DataDone() {
  txn_ = Transaction{};
  state_ = State::kGreeted;
}

Decision ServerSession::Bdat(std::string_view arg) {
  // "BDAT" SP chunk-size [SP "LAST"]; chunk-size is 1*DIGIT.
  size_t digits = 0;
  while (digits < arg.size() && arg[digits] >= '0' && arg[digits] <= '9') ++digits;
  std::string_view rest = arg.substr(digits);
  bool last = false;
  if (rest.size() == 5 && rest[0] == ' ') {
    std::string word(rest.substr(1));
    for (char& c : word) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    last = word == "LAST";
    if (!last) return Error(501, "5.5.4 Syntax: BDAT chunk-size [LAST]");
  } else if (!rest.empty()) {
    return Error(501, "5.5.4 Syntax: BDAT chunk-size [LAST]");
  }
  // 18 digits fit size_t; nobody sends a chunk that big anyway (the size limit applies).
  if (digits == 0 || digits > 18) return Error(501, "5.5.4 Syntax: BDAT chunk-size [LAST]");
  Decision d;
  d.action = Action::kBdat;
  d.chunk_size = std::stoull(std::string(arg.substr(0, digits)));
  d.last_chunk = last;
  // A refused chunk's bytes still follow the command: the reader must skip them.
  if (state_ == State::kConnected || state_ == State::kGreeted) {
    Decision refused = Error(503, "5.5.1 Error: need MAIL command");
    if (refused.action == Action::kReplyAndClose) return refused;
    d.discard_chunk = true;
    d.reply = std::move(refused.reply);
  } else if (state_ == State::kMail) {
    Decision refused = Error(554, "5.5.1 Error: no valid recipients");
    if (refused.action == Action::kReplyAndClose) return refused;
    d.discard_chunk = true;
    d.reply = std::move(refused.reply);
  } else {
    txn_.bdat = true;
  }
  return d;
}

Decision ServerSession::StartTls(std::string_view arg) {
  if (!settings_.tls_available) return Error(502, "5.5.1 Error: command not implemented");
  if (tls_active_) return Error(503, "5.5.1 Error: TLS already active");
  if (!arg.empty()) return Error(501, "5.5.4 Syntax: STARTTLS");
  if (state_ >= State::kMail) return Error(503, "5.5.1 Error: MAIL transaction in progress");
  Decision d = Say(220, "2.0.0 Ready to start TLS");
  d.action = Action::kStartTls;
  return d;
}

void ServerSession::TlsStarted() {
  // RFC 3207 §4.2: forget everything learned before the handshake, HELO included.
  tls_active_ = true;
  state_ = State::kConnected;
  esmtp_ = false;
  txn_ = Transaction{};
  if (!client_.forwarded) client_.helo.clear();
}

Decision ServerSession::Forward(std::string_view arg, bool xclient) {
  const char* name = xclient ? "XCLIENT" : "XFORWARD";
  if (!settings_.trusted) return Error(550, "5.7.0 Error: insufficient authorization");
  if (state_ >= State::kMail)
    return Error(503, std::string("5.5.1 Error: ") + name + " not allowed in a transaction");
  auto attrs = ParseAttributes(arg);
  if (!attrs.ok()) return ErrorStatus(attrs.status().message());
  // Every name is checked before any is applied: a refused command changes nothing, so the
  // score log never names half of a forwarded client.
  static constexpr std::string_view kKnown[] = {"ADDR",   "NAME",  "PORT",  "HELO",     "PROTO",
                                                "SOURCE", "IDENT", "LOGIN", "DESTADDR", "DESTPORT"};
  for (const auto& attr : *attrs) {
    if (std::find(std::begin(kKnown), std::end(kKnown), attr.first) == std::end(kKnown)) {
      return Error(501, std::string("5.5.4 Bad ") + name + " attribute name: " + attr.first);
    }
  }
  for (auto& [key, value] : *attrs) {
    // Postfix sends [UNAVAILABLE] / [TEMPUNAVAIL] for facts it does not have.
    bool unknown = value == "[UNAVAILABLE]" || value == "[TEMPUNAVAIL]";
    if (key == "ADDR") {
      client_.addr = unknown ? "" : value;
      if (client_.addr.rfind("IPV6:", 0) == 0) client_.addr = client_.addr.substr(5);
    } else if (key == "NAME") {
      client_.name = unknown ? "" : value;
    } else if (key == "PORT") {
      client_.port = unknown ? "" : value;
    } else if (key == "HELO") {
      client_.helo = unknown ? "" : value;
    } else if (key == "PROTO") {
      client_.proto = unknown ? "" : value;
    }
    // SOURCE, IDENT, LOGIN, DESTADDR, DESTPORT: accepted, not needed for scoring or logging.
  }
  client_.forwarded = true;
  if (xclient) {
    // XCLIENT restarts the session as if the named client had connected (new greeting).
    state_ = State::kConnected;
    esmtp_ = false;
    txn_ = Transaction{};
    return Decision{Action::kReply, Greeting(), ""};
  }
  return Say(250, "2.0.0 Ok");
}

}  // namespace sluice::smtp
