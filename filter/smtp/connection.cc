// connection.cc - one client connection of the SMTP proxy; see connection.h.
#include "filter/smtp/connection.h"

#include <array>
#include <cstdio>
#include <unordered_set>

#include "filter/smtp/buffer_pool.h"
#include "filter/smtp/data_codec.h"
#include "filter/smtp/downstream.h"
#include "filter/smtp/downstream_pool.h"
#include "filter/smtp/refusal_rate.h"
#include "filter/smtp/session.h"
#include "filter/smtp/smtp_stream.h"
#include "filter/smtp/spam_headers.h"

// GCC 12 warns that Asio's coroutine frames (awaitable_frame_base's sized operator
// new/delete) are freed by a "mismatched" delete once a coroutine grows past a certain
// shape (here ScoreAndRelay); the pair is Asio's own and matches: a known false positive of
// -Wmismatched-new-delete with coroutines (GCC PR 109224). Silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace sluice::smtp {
namespace {

// RFC 5321 §4.5.3.1.4 allows 512; extensions (XFORWARD, long parameters) need more.
constexpr size_t kMaxCommandLine = 2048;
// How long a timed-out client gets to take our 421 before the socket is closed anyway.
constexpr int kGoodbyeGraceSeconds = 5;
constexpr std::string_view kRset = "RSET";
constexpr std::string_view kAccessDenied = "554 5.7.1 Access denied\r\n";
// Messages up to this size are scored on the I/O thread itself (see ScoreAndRelay).
constexpr size_t kInlineScoreMaxBytes = 32 * 1024;

using std::chrono::seconds;

// Message buffers kept per I/O thread: a connection usually carries one message, and a
// DATA buffer grown from empty reallocates about ten times on the way to a few KB.
BufferPool& MessageBuffers() {
  thread_local BufferPool pool(64, 256 * 1024);
  return pool;
}

// Messages of this I/O thread's sessions that ended unrelayed: early DATA only while rare.
RefusalRate& Refusals() {
  thread_local RefusalRate rate;
  return rate;
}

// The client's reply for a downstream reply: relayed as is, except that a broken
// downstream (code 0) or a closing one (421) is a temporary failure for this transaction
// only; the client session goes on.
Reply Relay(const Reply& downstream) {
  if (downstream.code == 0) {
    return MakeReply(451, "4.4.2 Downstream unavailable, try again later (" +
                              (downstream.lines.empty() ? std::string() : downstream.lines[0]) +
                              ")");
  }
  if (downstream.code == 421) return MakeReply(451, "4.4.2 Downstream closing, try again later");
  return downstream;
}

// XFORWARD values are xtext (RFC 3461): '+', '=', controls, spaces and 8-bit get +XX.
std::string Xtext(std::string_view value) {
  if (value.empty()) return "[UNAVAILABLE]";
  std::string out;
  for (unsigned char c : value) {
    if (c < 33 || c > 126 || c == '+' || c == '=') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "+%02X", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// "250 2.0.0 Ok: queued as 4F2A1" -> "4F2A1" (Postfix and sendmail say it this way).
std::string QueueId(const Reply& reply) {
  for (const std::string& line : reply.lines) {
    size_t at = line.find("queued as ");
    if (at != std::string::npos) {
      std::string id = line.substr(at + 10);
      size_t end = id.find_first_of(" \t");
      return end == std::string::npos ? id : id.substr(0, end);
    }
  }
  return "";
}

// The score log's action for a refusal the client was told: 5xx reject, else tempfail.
sluice::Action ClientAction(const Reply& reply) {
  return reply.code >= 500 ? sluice::Action::kReject : sluice::Action::kTempfail;
}

// The score log's reason for a message the downstream did not take: its own reply, or why
// there was none.
std::string DownstreamReason(const Reply& downstream) {
  std::string first = downstream.lines.empty() ? std::string() : downstream.lines[0];
  if (downstream.code == 0) return "downstream: " + first;
  return "downstream: " + std::to_string(downstream.code) + " " + first;
}

std::string OverLimit(size_t max_bytes) {
  return "message over smtp.max_message_bytes (" + std::to_string(max_bytes) + ")";
}

// Runs on the scorer pool (parameters are copied into the coroutine frame).
asio::awaitable<ScoreResult> ScoreOn(std::shared_ptr<const Engine> engine,
                                     const std::string* message) {
  co_return engine->Score(*message);
}

class Connection {
 public:
  Connection(asio::ip::tcp::socket socket, asio::ip::tcp::endpoint peer,
             std::shared_ptr<const ProxySettings> settings, ProxyContext* context)
      : stream_(std::make_shared<SmtpStream>(std::move(socket))),
        peer_(peer),
        settings_(std::move(settings)),
        smtp_(settings_->config.smtp),
        context_(context),
        session_(MakeSessionSettings(), ClientFacts{}) {}

  asio::awaitable<void> Run();
  // A stopping proxy ends a session that waits for a command outside a transaction.
  void InterruptIfIdle() {
    if (waiting_idle_) stream_->Interrupt();
  }

 private:
  SessionSettings MakeSessionSettings() const {
    SessionSettings s;
    s.hostname = smtp_.hostname;
    s.max_message_bytes = smtp_.max_message_bytes;
    s.max_recipients = smtp_.max_recipients;
    s.tls_available = settings_->server_tls != nullptr;
    return s;
  }
  asio::awaitable<bool> Flush();
  // This client's downstream session, else an idle one from the pool, else a new one
  // (*fresh). False when none can be opened.
  asio::awaitable<bool> AcquireDownstream(bool* fresh);
  std::string MailCommand(const Transaction& mail) const;
  // Takes the sender in session_.pending_mail().
  asio::awaitable<Reply> Mail();
  // Mirrors MAIL (and `rcpt`, a whole RCPT command line, when not empty) downstream and
  // returns the client's reply to MAIL; sets downstream_in_txn_ when the downstream took
  // MAIL, and then *rcpt_reply to its reply to `rcpt`. `fresh`: downstream_ was just opened.
  asio::awaitable<Reply> OpenTransaction(const Transaction& mail, std::string_view rcpt, bool fresh,
                                         Reply* rcpt_reply);
  asio::awaitable<Reply> Rcpt(const Decision& decision);
  asio::awaitable<void> ResetDownstream();
  // Whether to send DATA downstream when the client sends DATA (Downstream::BeginData).
  bool EarlyDataWanted() const;
  asio::awaitable<bool> Data(const Decision& decision);
  // Reads one BDAT chunk (RFC 3030) and, after the LAST one, scores and relays the message.
  // False when the client is gone.
  asio::awaitable<bool> Bdat(const Decision& decision);
  asio::awaitable<bool> StartTls(const Decision& decision);
  asio::awaitable<Reply> ScoreAndRelay(std::string& message);
  // Queues the score-log line; takes the verdict and facts out of *result. `reason`: why the
  // message ended as it did when the verdict is not the whole story ("" when it is).
  void Log(ScoreResult* result, const Reply& reply, std::string reason = std::string());
  // The score-log line of a message that ended without a verdict: `action` is what its
  // client was told (reject for a 5xx, tempfail for a 4xx), `size` the bytes received.
  void LogUnscored(sluice::Action action, std::string reason, size_t size);

  std::shared_ptr<SmtpStream> stream_;
  asio::ip::tcp::endpoint peer_;  // from accept: no getpeername per use
  std::shared_ptr<const ProxySettings> settings_;
  const SmtpConfig& smtp_;
  ProxyContext* context_;
  ServerSession session_;
  std::unique_ptr<Downstream> downstream_;
  bool downstream_in_txn_ = false;
  bool mail_deferred_ = false;     // MAIL taken, to go downstream with the first RCPT
  std::string out_;                // replies not yet written (PIPELINING: one write per batch)
  std::string chunked_;            // the BDAT message so far
  bool chunked_overflow_ = false;  // it passed max_message_bytes
  bool waiting_idle_ = false;      // reading a command line outside a transaction
  // A message's bytes are being read (DATA, or BDAT chunks before LAST): a client timing out
  // now is told 421 and the message gets its score-log line.
  bool receiving_ = false;
  size_t received_bytes_ = 0;  // of that message so far
};

asio::awaitable<bool> Connection::Flush() {
  if (out_.empty()) co_return true;
  stream_->SetTimeout(seconds(smtp_.command_timeout_s));
  bool ok = co_await stream_->Write(out_);
  out_.clear();
  co_return ok;
}

asio::awaitable<void> Connection::Run() {
  stream_->SetGoodbyeGrace(seconds(kGoodbyeGraceSeconds));
  stream_->StartWatchdog();
  std::string addr = AddressText(peer_.address());
  if (!settings_->allowed.Contains(addr)) {
    // Not one of ours: no open relay, ever.
    stream_->SetTimeout(seconds(5));
    bool ignored = co_await stream_->Write(kAccessDenied);
    (void)ignored;
    stream_->Close();
    co_return;
  }
  SessionSettings s = MakeSessionSettings();
  s.trusted = settings_->trusted.Contains(addr);
  ClientFacts client;
  client.addr = addr;
  client.port = std::to_string(peer_.port());
  session_ = ServerSession(std::move(s), std::move(client));
  out_ = session_.Greeting().Render();

  std::string line;
  bool shutting_down = false;  // the proxy stops: say 421 (RFC 5321 §3.8) and close
  for (;;) {
    if (!stream_->HasBufferedLine() && !co_await Flush()) break;
    // After the flush (a suspension, during which a Stop's interrupt may have come and
    // gone): from this check to the read's own suspension nothing suspends, so a Stop is
    // either seen here or finds waiting_idle_ set.
    if (context_->stopping.load(std::memory_order_relaxed) && !session_.in_transaction()) {
      shutting_down = true;
      break;
    }
    stream_->SetTimeout(seconds(smtp_.command_timeout_s));
    bool too_long = false;
    waiting_idle_ = !session_.in_transaction();
    bool got_line = co_await stream_->ReadLine(&line, kMaxCommandLine, &too_long);
    const bool was_idle = waiting_idle_;
    waiting_idle_ = false;
    if (!got_line) {
      shutting_down =
          was_idle && context_->stopping.load(std::memory_order_relaxed) && !stream_->timed_out();
      break;
    }
    Decision d = too_long ? session_.OnLineTooLong() : session_.OnCommand(line);
    // if/else rather than a switch: GCC 12 has trouble with locals and co_await inside
    // switch cases, and with temporaries in co_await expressions, so results are named.
    bool close = false;
    if (d.action == Action::kReply) {
      d.reply.AppendTo(&out_);
    } else if (d.action == Action::kReplyAndClose) {
      d.reply.AppendTo(&out_);
      close = true;
    } else if (d.action == Action::kMail) {
      Reply reply = co_await Mail();
      reply.AppendTo(&out_);
    } else if (d.action == Action::kRcpt) {
      Reply reply = co_await Rcpt(d);
      reply.AppendTo(&out_);
    } else if (d.action == Action::kRset) {
      co_await ResetDownstream();
      std::string().swap(chunked_);  // a BDAT message in progress is dropped too
      chunked_overflow_ = false;
      receiving_ = false;
      received_bytes_ = 0;
      d.reply.AppendTo(&out_);
    } else if (d.action == Action::kData) {
      bool ok = co_await Data(d);
      close = !ok;
    } else if (d.action == Action::kBdat) {
      bool ok = co_await Bdat(d);
      close = !ok;
    } else if (d.action == Action::kStartTls) {
      bool ok = co_await StartTls(d);
      close = !ok;
    }
    if (close) {
      bool flushed = co_await Flush();
      (void)flushed;
      break;
    }
  }
  // Leaving mid-transaction just closes the downstream: without the final "." it
  // delivers nothing.
  if (downstream_) {
    if (downstream_in_txn_) {
      downstream_->Close();
    } else {
      // Idle and healthy: parked for the next client on this thread.
      DownstreamPool::Put(settings_->downstream_key, std::move(downstream_));
    }
  }
  if (stream_->timed_out()) {
    if (receiving_) {
      LogUnscored(sluice::Action::kTempfail, "client timed out mid-message", received_bytes_);
    }
    // RFC 5321 §4.5.3.2: say why before closing (within the watchdog's goodbye grace).
    std::string bye = "421 4.4.2 " + smtp_.hostname + " Error: timeout exceeded\r\n";
    bool said = co_await stream_->Write(bye);
    (void)said;
  } else if (shutting_down) {
    // Replies still owed (e.g. the 250 of the last message) go first.
    out_ += "421 4.3.2 " + smtp_.hostname + " Service shutting down\r\n";
    stream_->SetTimeout(seconds(kGoodbyeGraceSeconds));
    bool said = co_await stream_->Write(out_);
    (void)said;
  }
  stream_->Close();
}

asio::awaitable<bool> Connection::StartTls(const Decision& decision) {
  decision.reply.AppendTo(&out_);  // 220
  bool flushed = co_await Flush();
  if (!flushed) co_return false;
  // RFC 3207 §4.2: commands pipelined before the handshake are not to be trusted.
  stream_->DiscardBuffered();
  stream_->SetTimeout(seconds(smtp_.command_timeout_s));
  bool ok = co_await stream_->HandshakeServer(*settings_->server_tls);
  if (!ok) co_return false;
  session_.TlsStarted();
  co_return true;
}

asio::awaitable<bool> Connection::AcquireDownstream(bool* fresh) {
  *fresh = false;
  if (downstream_ && !downstream_->usable()) downstream_.reset();
  if (!downstream_) downstream_ = DownstreamPool::Take(settings_->downstream_key);
  if (downstream_) co_return true;
  DownstreamOptions options;
  options.host = settings_->downstream_host;
  options.port = settings_->downstream_port;
  options.helo = smtp_.hostname;
  options.starttls = smtp_.downstream_starttls;
  options.tls_context = settings_->client_tls.get();
  options.timeout = seconds(smtp_.downstream_timeout_s);
  downstream_ = std::make_unique<Downstream>(stream_->socket().get_executor(), options);
  Reply open = co_await downstream_->Open();
  if (open.code == 0) {
    std::fprintf(stderr, "sluice smtp: %s\n", open.lines.empty() ? "" : open.lines[0].c_str());
    downstream_.reset();
    co_return false;
  }
  *fresh = true;
  co_return true;
}

std::string Connection::MailCommand(const Transaction& mail) const {
  const DownstreamFeatures& features = downstream_->features();
  std::string command = "MAIL FROM:<" + mail.mail_from + ">";
  if (mail.declared_size > 0 && features.size) {
    command += " SIZE=" + std::to_string(mail.declared_size);
  }
  if (mail.body_8bit && features.eightbit) command += " BODY=8BITMIME";
  if (mail.smtputf8) command += " SMTPUTF8";
  return command;
}

asio::awaitable<Reply> Connection::Mail() {
  if (downstream_in_txn_ || mail_deferred_) co_await ResetDownstream();
  bool fresh = false;
  bool have = co_await AcquireDownstream(&fresh);
  if (!have) co_return MakeReply(451, "4.4.1 Downstream unavailable, try again later");
  const Transaction& mail = session_.pending_mail();
  if (mail.smtputf8 && !downstream_->features().smtputf8) {
    co_return MakeReply(553, "5.6.7 SMTPUTF8 not supported by the next hop");
  }
  if (downstream_->features().pipelining) {
    // RFC 2920: MAIL goes downstream in one write with the first RCPT, which then answers
    // for both (a refused sender refuses the recipient, as Postfix does with
    // smtpd_delay_reject). One downstream round trip per message less.
    session_.MailDone(true);
    mail_deferred_ = true;
    co_return MakeReply(250, "2.1.0 Ok");
  }
  Reply reply = co_await OpenTransaction(mail, std::string_view(), fresh, nullptr);
  session_.MailDone(downstream_in_txn_);
  co_return reply;
}

asio::awaitable<Reply> Connection::OpenTransaction(const Transaction& mail, std::string_view rcpt,
                                                   bool fresh, Reply* rcpt_reply) {
  // A reused downstream session (this client's earlier one, or one from the pool) may have
  // been closed by the peer meanwhile; nothing is open on it yet, so one retry on a fresh
  // connection is safe.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (attempt > 0 || !downstream_) {
      bool have = co_await AcquireDownstream(&fresh);
      if (!have) co_return MakeReply(451, "4.4.1 Downstream unavailable, try again later");
    }
    if (mail.smtputf8 && !downstream_->features().smtputf8) {
      co_return MakeReply(553, "5.6.7 SMTPUTF8 not supported by the next hop");
    }
    // [XFORWARD] MAIL [RCPT]: one write, one round trip when the downstream pipelines.
    std::string xforward;
    std::string command = MailCommand(mail);
    std::array<std::string_view, 3> lines;
    size_t count = 0;
    if (downstream_->features().xforward) {
      const ClientFacts& c = session_.client();
      xforward = "XFORWARD NAME=" + Xtext(c.name) + " ADDR=" + Xtext(c.addr) +
                 " PORT=" + Xtext(c.port) + " PROTO=" + Xtext(c.proto) + " HELO=" + Xtext(c.helo);
      lines[count++] = xforward;
    }
    size_t mail_at = count;
    lines[count++] = command;
    if (!rcpt.empty()) lines[count++] = rcpt;
    std::array<Reply, 3> replies;
    co_await downstream_->Pipeline(lines.data(), count, replies.data());
    const Reply& first = replies[0];
    if (first.code == 0 || first.code == 421 || replies[mail_at].code == 0 ||
        replies[mail_at].code == 421) {
      downstream_.reset();
      if (!fresh) continue;
      co_return Relay(first.code == 0 || first.code == 421 ? first : replies[mail_at]);
    }
    Reply& reply = replies[mail_at];
    downstream_in_txn_ = reply.code >= 200 && reply.code < 300;
    if (downstream_in_txn_ && rcpt_reply != nullptr) *rcpt_reply = std::move(replies[count - 1]);
    co_return Relay(reply);
  }
  co_return MakeReply(451, "4.4.1 Downstream unavailable, try again later");
}

asio::awaitable<Reply> Connection::Rcpt(const Decision& decision) {
  std::string command = "RCPT TO:<" + decision.path + ">";
  if (mail_deferred_) {
    Reply rcpt;
    Reply mail = co_await OpenTransaction(session_.transaction(), command, false, &rcpt);
    if (!downstream_in_txn_) {
      // The sender was refused (or the downstream is gone): so is this recipient. MAIL
      // stays deferred: the next RCPT tries again.
      session_.RcptDone(false);
      co_return mail;
    }
    mail_deferred_ = false;
    session_.RcptDone(rcpt.code >= 200 && rcpt.code < 300);
    co_return Relay(rcpt);
  }
  if (!downstream_ || !downstream_->usable() || !downstream_in_txn_) {
    session_.RcptDone(false);
    co_return MakeReply(451, "4.4.2 Downstream unavailable, try again later");
  }
  Reply reply = co_await downstream_->Command(command);
  session_.RcptDone(reply.code >= 200 && reply.code < 300);
  co_return Relay(reply);
}

asio::awaitable<void> Connection::ResetDownstream() {
  if (downstream_ && downstream_->data_begun()) {
    // DATA is open downstream: RSET would be message text. Closing before the final "."
    // ends the transaction with nothing delivered (RFC 5321 §3.8); the next message gets a
    // new session.
    downstream_->Close();
    downstream_.reset();
  } else if (downstream_ && downstream_in_txn_ && downstream_->usable()) {
    Reply ignored = co_await downstream_->Command(kRset);
    (void)ignored;
  }
  downstream_in_txn_ = false;
  mail_deferred_ = false;
}

bool Connection::EarlyDataWanted() const {
  // A CHUNKING downstream takes the message in one BDAT round trip: nothing to hide.
  return Refusals().Low() && downstream_ && downstream_->usable() && downstream_in_txn_ &&
         !downstream_->features().chunking;
}

asio::awaitable<bool> Connection::Data(const Decision& decision) {
  if (EarlyDataWanted()) {
    // The downstream's 354 comes back while the client sends the message: one downstream
    // round trip less to wait for after scoring. A failed write shows at the end of DATA.
    bool begun = co_await downstream_->BeginData();
    (void)begun;
  }
  decision.reply.AppendTo(&out_);  // 354
  if (!co_await Flush()) co_return false;
  DataDecoder decoder(smtp_.max_message_bytes);
  decoder.message() = MessageBuffers().Take();
  decoder.message().clear();
  receiving_ = true;
  for (;;) {
    stream_->Consume(decoder.Feed(stream_->buffered()));
    received_bytes_ = decoder.bytes_seen();
    if (decoder.done()) break;
    stream_->SetTimeout(seconds(smtp_.data_timeout_s));
    if (!co_await stream_->Fill()) co_return false;  // client gone mid-DATA: nothing relayed
  }
  receiving_ = false;
  received_bytes_ = 0;
  Reply reply;
  if (decoder.overflow()) {
    Refusals().Note(true);
    co_await ResetDownstream();
    reply = MakeReply(552, "5.3.4 Message size exceeds fixed limit");
    LogUnscored(sluice::Action::kReject, OverLimit(smtp_.max_message_bytes), decoder.bytes_seen());
  } else {
    reply = co_await ScoreAndRelay(decoder.message());
  }
  MessageBuffers().GiveBack(std::move(decoder.message()));
  session_.DataDone();
  reply.AppendTo(&out_);
  co_return true;
}

asio::awaitable<bool> Connection::Bdat(const Decision& decision) {
  // RFC 3030: exactly chunk_size raw bytes follow the command, whatever its reply.
  size_t remaining = decision.chunk_size;
  bool keep = !decision.discard_chunk;
  for (;;) {
    std::string_view have = stream_->buffered();
    size_t take = std::min(have.size(), remaining);
    if (keep) {
      receiving_ = true;
      received_bytes_ += take;
    }
    if (keep && !chunked_overflow_) {
      if (chunked_.size() + take > smtp_.max_message_bytes) {
        chunked_overflow_ = true;  // keep reading to stay in sync, store nothing more
        std::string().swap(chunked_);
      } else {
        chunked_.append(have.substr(0, take));
      }
    }
    stream_->Consume(take);
    remaining -= take;
    if (remaining == 0) break;
    stream_->SetTimeout(seconds(smtp_.data_timeout_s));
    bool filled = co_await stream_->Fill();
    if (!filled) co_return false;  // client gone mid-chunk: nothing relayed
  }
  if (!keep) {
    decision.reply.AppendTo(&out_);
    co_return true;
  }
  Reply reply;
  if (chunked_overflow_) {
    // The transaction is over: later chunks get 503 and are skipped.
    co_await ResetDownstream();
    reply = MakeReply(552, "5.3.4 Message size exceeds fixed limit");
    LogUnscored(sluice::Action::kReject, OverLimit(smtp_.max_message_bytes), received_bytes_);
  } else if (!decision.last_chunk) {
    out_ += MakeReply(250, "2.0.0 " + std::to_string(decision.chunk_size) + " octets received")
                .Render();
    co_return true;
  } else {
    NormalizeLineEnds(&chunked_);
    reply = co_await ScoreAndRelay(chunked_);
  }
  session_.DataDone();
  std::string().swap(chunked_);
  chunked_overflow_ = false;
  receiving_ = false;
  received_bytes_ = 0;
  reply.AppendTo(&out_);
  co_return true;
}

asio::awaitable<Reply> Connection::ScoreAndRelay(std::string& message) {
  // Before scoring too: forged verdict headers neither reach the downstream nor sway rules.
  if (smtp_.strip_client_spam_headers) StripSpamHeaders(&message);
  std::shared_ptr<const Engine> engine = context_->engines ? context_->engines->Get() : nullptr;
  const Config& config = engine ? engine->config() : settings_->config;
  if (!downstream_ || !downstream_->usable() || !downstream_in_txn_) {
    downstream_in_txn_ = false;
    LogUnscored(sluice::Action::kTempfail, "downstream unavailable", message.size());
    co_return MakeReply(451, "4.4.2 Downstream unavailable, try again later");
  }
  if (!engine) {
    if (config.on_error == ErrorPolicy::kTempfail) {
      co_await ResetDownstream();
      LogUnscored(sluice::Action::kTempfail, "no scoring engine (on_error: tempfail)",
                  message.size());
      co_return MakeReply(451, "4.7.1 " + config.headers.tempfail_text);
    }
    Reply relayed = co_await downstream_->Data(std::string_view(), message);
    Reply reply = Relay(relayed);
    downstream_in_txn_ = false;
    LogUnscored(reply.positive() ? sluice::Action::kAccept : ClientAction(reply),
                "no scoring engine, relayed unscored" +
                    (reply.positive() ? std::string() : "; " + DownstreamReason(relayed)),
                message.size());
    co_return reply;
  }
  ScoreResult result;
  if (message.size() <= kInlineScoreMaxBytes || context_->scorers == nullptr) {
    // A small message scores in tens of microseconds: less than the two thread hand-offs
    // (and wake-ups) that moving it to the scorer pool and back would cost.
    result = engine->Score(message);
  } else {
    // A big one can take milliseconds; it runs on the scorer pool so this I/O thread keeps
    // serving the other sessions meanwhile.
    asio::awaitable<ScoreResult> scoring = ScoreOn(engine, &message);
    result = co_await asio::co_spawn(*context_->scorers, std::move(scoring), asio::use_awaitable);
  }
  Reply reply;
  std::string reason;
  sluice::Action action = result.verdict.action;
  Refusals().Note(action == sluice::Action::kReject || action == sluice::Action::kTempfail ||
                  action == sluice::Action::kDiscard);
  if (action == sluice::Action::kReject) {
    co_await ResetDownstream();
    reply = MakeReply(550, "5.7.1 " + config.headers.reject_text);
  } else if (action == sluice::Action::kTempfail) {
    co_await ResetDownstream();
    reply = MakeReply(451, "4.7.1 " + config.headers.tempfail_text);
  } else if (action == sluice::Action::kDiscard) {
    // The configured policy is to drop it silently: accepted, never relayed.
    co_await ResetDownstream();
    reply = MakeReply(250, "2.0.0 Ok: discarded");
  } else {
    // accept, add_header, rewrite_subject, quarantine (the proxy has no quarantine: the
    // message goes on with its headers, which say it is spam).
    std::string prefix =
        RenderHeaders(SpamHeaders(result.verdict, config.scoring.thresholds, config.headers));
    std::string tagged;
    if (action == sluice::Action::kRewriteSubject) {
      tagged = TagSubject(message, config.headers.subject_tag);
    }
    std::string_view body = tagged.empty() ? std::string_view(message) : std::string_view(tagged);
    Reply relayed = co_await downstream_->Data(prefix, body);
    reply = Relay(relayed);
    downstream_in_txn_ = false;
    if (!reply.positive()) {
      // Scored for delivery, but the client was told no: the log says what it was told.
      reason = DownstreamReason(relayed) +
               " (verdict: " + std::string(ActionName(result.verdict.action)) + ")";
      result.verdict.action = ClientAction(reply);
    }
  }
  if (reply.positive()) {
    context_->messages_relayed.fetch_add(1, std::memory_order_relaxed);
  } else {
    context_->messages_refused.fetch_add(1, std::memory_order_relaxed);
  }
  Log(&result, reply, std::move(reason));
  co_return reply;
}

void Connection::LogUnscored(sluice::Action action, std::string reason, size_t size) {
  ScoreResult result;
  result.verdict.action = action;
  result.verdict.bayes.status = "not scored";
  result.facts.size = size;
  Log(&result, Reply{}, std::move(reason));
}

void Connection::Log(ScoreResult* result, const Reply& reply, std::string reason) {
  if (context_->log == nullptr) return;
  LogRecord record;
  record.time = std::chrono::system_clock::now();
  record.source = "smtp";
  const ClientFacts& client = session_.client();
  record.envelope.queue_id = QueueId(reply);
  record.envelope.client_ip = client.addr;
  record.envelope.client_name = client.name;
  record.envelope.helo = client.helo;
  record.envelope.mail_from = session_.transaction().mail_from;
  record.envelope.rcpts = session_.transaction().rcpts;
  record.facts = std::move(result->facts);
  record.verdict = std::move(result->verdict);
  record.reason = std::move(reason);
  context_->log->Write(std::move(record));
}

// This I/O thread's connections, for InterruptIdleSessions: registered once per
// connection (not per command), so the command loop pays a bool, not a set update.
std::unordered_set<Connection*>& ThreadConnections() {
  thread_local std::unordered_set<Connection*> connections;
  return connections;
}

// Keeps `connection` in ThreadConnections() while it runs, whatever way Run() ends.
class Registration {
 public:
  explicit Registration(Connection* connection) : connection_(connection) {
    ThreadConnections().insert(connection_);
  }
  ~Registration() { ThreadConnections().erase(connection_); }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  Connection* connection_;
};

}  // namespace

void InterruptIdleSessions() {
  // Interrupt() only cancels the read; each session then ends itself with its 421.
  for (Connection* connection : ThreadConnections()) connection->InterruptIfIdle();
}

asio::awaitable<void> RunConnection(asio::ip::tcp::socket socket, asio::ip::tcp::endpoint peer,
                                    std::shared_ptr<const ProxySettings> settings,
                                    ProxyContext* context) {
  Connection connection(std::move(socket), peer, std::move(settings), context);
  Registration registration(&connection);
  co_await connection.Run();
}

}  // namespace sluice::smtp
