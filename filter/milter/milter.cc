// milter.cc - libmilter registration, socket setup and the per-connection callbacks.
//
// Every callback is implemented, so the MTA gets an answer to each protocol step: with a
// step negotiated away (or left unanswered) the MTA's next small write waits for a TCP ACK,
// and on loopback that is a delayed ACK of ~40 ms (mta-recipes.md §5). For the same reason
// the accepted TCP socket gets TCP_NODELAY (our end-of-message actions are several small
// packets the MTA never answers) and TCP_QUICKACK is re-armed after each step (the MTA's
// macro packets get no reply from us).
//
// The steps whose answer can never change the outcome (connect, HELO, RCPT, DATA, unknown
// commands, each header, end of headers, body chunks) are negotiated as "no reply"
// (SMFIP_NR_*) when the MTA offers it: Postfix then streams the ~20 headers and the body of a
// message without a round trip each, and every round trip costs both processes a poll, a
// read, a write and two context switches. A no-reply body chunk cannot answer SKIP, so past
// the scan limit the rest of a huge body is received and dropped instead of cut short; one
// round trip saved on every message is worth more than the transfer saved on the rare huge
// one. With an MTA that does not offer NR_BODY, body chunks answer and SKIP is used.
//
// MAIL is no-reply too, unless milter.skip_outbound_at_mail asks for the old way: an outbound
// message to be skipped is then marked at MAIL, its headers and body are not collected, and it
// is accepted unscored at end of message, the first step that answers. That saves a round
// trip on every message at the price of outbound content crossing the socket unread (see
// milter.h). The choice is made per connection at negotiation; a skip decided at MAIL follows
// what that connection negotiated, so a reload in between cannot leave a message unanswered.
// End of message always answers.
//
// Each connection's socket gets a user-space read-ahead (read_ahead.h) at negotiation, so
// the packets Postfix streams are taken a socket-buffer-full at a time instead of with two
// polls and two reads each; SLUICE_MILTER_READ_AHEAD=0 in the environment switches it off.
// A pool worker also keeps its session through gaps of up to 50 ms between commands instead
// of handing it back to libmilter's pool controller after 1 ms (SLUICE_MILTER_SESSION_WAIT_MS,
// 1 = libmilter's own behaviour).
//
// Failure: see milter.h. Nothing thrown in here reaches libmilter (Guard below).
#include "filter/milter/milter.h"

#include <arpa/inet.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <string_view>

#include "filter/config/milter_socket.h"
#include "filter/engine/snapshot_holder.h"
#include "filter/milter/message_buffer.h"
#include "filter/milter/mta_offer.h"
#include "filter/milter/privileges.h"
#include "filter/milter/read_ahead.h"
#include "filter/milter/reply_plan.h"
#include "filter/milter/socket_tuning.h"
#include "filter/util/network_list.h"

namespace sluice::milter {
namespace {

// What the C callbacks reach: set once by Open(), read by every connection thread.
struct Shared {
  EngineHolder* engines = nullptr;
  ScoreLog* log = nullptr;
  std::string auth_macro;  // copied into the symbol list at negotiation
  SocketTuning tuning;
  // SLUICE_MILTER_NO_REPLY=0 answers every step (to measure what no-reply saves).
  bool no_reply = true;
  // SLUICE_MILTER_READ_AHEAD=0 reads the sockets as libmilter does by itself.
  bool read_ahead = true;

  SnapshotHolder<const NetworkList> trusted;  // swapped by Reload; TSan-clean
};
Shared* g_shared = nullptr;

Result<NetworkList> ParseTrustedNetworks(const Config& config) {
  auto nets = NetworkList::Parse(config.milter.trusted_networks);
  if (!nets.ok()) return Status::Invalid("milter.trusted_networks: " + nets.status().message());
  return nets;
}

void Warn(const char* what, const std::string& detail) {
  std::fprintf(stderr, "sluice: milter: %s: %s\n", what, detail.c_str());
}

// One MTA connection. A transaction (MAIL FROM .. end of message or abort) lives inside it.
struct Session {
  Envelope client;  // client_ip, client_name, helo
  bool trusted_client = false;
  int fd = -1;  // the accepted socket when SocketTuning could reach it
  // The SMFIP_NR_* steps negotiated on this connection: they must answer SMFIS_NOREPLY.
  unsigned long no_reply_steps = 0;

  // The current transaction.
  std::shared_ptr<const Engine> engine;
  Envelope env;
  std::unique_ptr<MessageBuffer> buffer;
  std::optional<std::string> subject;
  std::string message_id;  // as received; for the log when scoring fails
  bool outbound = false;
  // Outbound and skipped, with MAIL no-reply: nothing is collected and end of message
  // accepts it unscored.
  bool skip_at_eom = false;
  std::string failure;      // non-empty: something broke; end in the on_error action
  std::string header_line;  // scratch for OnHeader, reused so a header costs no allocation

  void StartMessage() {
    engine = g_shared->engines->Get();
    const Config& c = engine->config();
    env = client;
    subject.reset();
    message_id.clear();
    outbound = trusted_client;
    skip_at_eom = false;
    failure.clear();
    // The buffer is reused across a connection's messages, unless a reload changed the
    // limits it was made with: each message follows its own engine's config.
    if (!buffer ||
        !buffer->HasLimits(c.milter.spill_bytes, c.scoring.max_scan_bytes, c.milter.spill_dir)) {
      buffer = std::make_unique<MessageBuffer>(c.milter.spill_bytes, c.scoring.max_scan_bytes,
                                               c.milter.spill_dir);
    } else {
      buffer->Reset();
    }
  }
  void EndMessage() {
    engine.reset();
    skip_at_eom = false;
    subject.reset();
    failure.clear();
    if (buffer) buffer->Reset();
  }
  void Fail(std::string why) {
    if (failure.empty()) failure = std::move(why);
  }
};

Session* GetSession(SMFICTX* ctx) { return static_cast<Session*>(smfi_getpriv(ctx)); }

// Re-arms quick ACKs on the MTA connection before we go back to reading it.
sfsistat Answer(Session* s, sfsistat status) {
  if (s != nullptr && s->fd >= 0) g_shared->tuning.BeforeRead(s->fd);
  return status;
}

std::string StripBrackets(const char* addr) {
  std::string s = addr ? addr : "";
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  return s;
}

std::string Symbol(SMFICTX* ctx, const char* name) {
  const char* v = smfi_getsymval(ctx, const_cast<char*>(name));
  return v ? v : "";
}

// The steps we ask not to answer, when the MTA offers it (see the file comment).
constexpr unsigned long kNoReplySteps = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL |
                                        SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN |
                                        SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY;

// The macro list for stages whose macros we never read (see OnNegotiate).
constexpr char kNoMacro[] = "{sluice_none}";

// "Go on" for a step: SMFIS_NOREPLY when the step was negotiated as no-reply (libmilter
// then sends nothing; a CONTINUE there would be an unexpected packet for the MTA).
sfsistat Continue(Session* s, unsigned long nr_bit) {
  return s != nullptr && (s->no_reply_steps & nr_bit) != 0 ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

// Runs a callback body; an exception marks the transaction failed instead of escaping
// into libmilter (which would abort the process). `nr_bit` names the step's SMFIP_NR_* flag
// (0 for steps that always answer).
template <typename F>
sfsistat Guard(SMFICTX* ctx, const char* step, unsigned long nr_bit, F&& body) {
  Session* s = GetSession(ctx);
  try {
    if (s != nullptr) return body(s);
  } catch (const std::exception& e) {
    Warn(step, e.what());
    if (s) s->Fail(std::string(step) + ": " + e.what());
  } catch (...) {
    Warn(step, "unknown exception");
    if (s) s->Fail(std::string(step) + ": unknown exception");
  }
  return Answer(s, Continue(s, nr_bit));
}

// Appends header or body bytes; a failed spill fails the message, not the connection.
void Collect(Session* s, std::string_view bytes) {
  if (!s->buffer || !s->failure.empty() || s->skip_at_eom) return;
  Status st = s->buffer->Append(bytes);
  if (!st.ok()) s->Fail(st.ToString());
}

sfsistat OnNegotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1, unsigned long, unsigned long,
                     unsigned long* pf0, unsigned long* pf1, unsigned long* pf2,
                     unsigned long* pf3) {
  // Only what we use: add/change headers, quarantine, our own macro lists.
  *pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST);
  // Every step stays on; the ones that cannot change the outcome get no reply (see the file
  // comment); SKIP ends long bodies early. The Session is made here, before connect, because
  // it must remember which steps are no-reply.
  auto* s = new (std::nothrow) Session;
  if (s != nullptr) {
    smfi_setpriv(ctx, s);
    unsigned long wanted = kNoReplySteps;
    // The connection's current config decides; a later reload changes only new connections.
    const MilterConfig& mc = g_shared->engines->Get()->config().milter;
    if (mc.skip_outbound && mc.skip_outbound_at_mail) wanted &= ~SMFIP_NR_MAIL;
    // f1 carries every no-reply step, whether the MTA offered it or libmilter would answer
    // for us (mta_offer.h); only the MTA's own are taken, so that an old MTA still gets our
    // ACCEPT at MAIL and SKIP in the body. If its offer cannot be read, libmilter's view.
    unsigned long offered = f1;
    if (!MtaOfferedSteps(ctx, s, f0, f1, &offered)) offered = f1;
    s->no_reply_steps = g_shared->no_reply ? (offered & wanted) : 0;
  }
  if (g_shared->read_ahead) BufferReads(ConnectionFd(ctx));
  *pf1 = (f1 & SMFIP_SKIP) | (s != nullptr ? s->no_reply_steps : 0);
  *pf2 = 0;
  *pf3 = 0;
  if (f0 & SMFIF_SETSYMLIST) {
    // Only the macros we read. A stage without a list of ours gets the MTA's default list
    // (Postfix: 4 RCPT macros, three of them an address resolution each; 5 at connect), which
    // the MTA computes and sends and libmilter parses for nothing; an empty list would fall
    // back to that default, so those stages ask for one macro no MTA defines.
    std::string from_macros = "i " + g_shared->auth_macro;
    smfi_setsymlist(ctx, SMFIM_ENVFROM, from_macros.data());
    smfi_setsymlist(ctx, SMFIM_EOM, const_cast<char*>("i"));
    for (int stage : {SMFIM_CONNECT, SMFIM_HELO, SMFIM_ENVRCPT, SMFIM_DATA, SMFIM_EOH}) {
      smfi_setsymlist(ctx, stage, const_cast<char*>(kNoMacro));
    }
  }
  return SMFIS_CONTINUE;
}

sfsistat OnConnect(SMFICTX* ctx, char* hostname, _SOCK_ADDR* hostaddr) {
  if (GetSession(ctx) == nullptr) {  // no negotiation step (old MTA), or it ran out of memory
    auto* s = new (std::nothrow) Session;
    if (s == nullptr) return SMFIS_TEMPFAIL;  // never negotiated as no-reply
    smfi_setpriv(ctx, s);
  }
  return Guard(ctx, "connect", SMFIP_NR_CONN, [&](Session* s) {
    s->fd = g_shared->tuning.Adopt(ctx);
    s->client.client_name = hostname ? hostname : "";
    char buf[INET6_ADDRSTRLEN] = "";
    if (hostaddr != nullptr && hostaddr->sa_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(hostaddr)->sin_addr, buf, sizeof buf);
    } else if (hostaddr != nullptr && hostaddr->sa_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(hostaddr)->sin6_addr, buf, sizeof buf);
    }
    s->client.client_ip = buf;
    const auto trusted = g_shared->trusted.Get();
    s->trusted_client = trusted && trusted->Contains(s->client.client_ip);
    return Answer(s, Continue(s, SMFIP_NR_CONN));
  });
}

sfsistat OnHelo(SMFICTX* ctx, char* helo) {
  return Guard(ctx, "helo", SMFIP_NR_HELO, [&](Session* s) {
    s->client.helo = helo ? helo : "";
    return Answer(s, Continue(s, SMFIP_NR_HELO));
  });
}

// The score-log line of an outbound message accepted without scoring.
void LogOutboundSkipped(Session* s) {
  if (g_shared->log == nullptr) return;
  LogRecord r;
  r.time = std::chrono::system_clock::now();
  r.source = "milter";
  r.envelope = std::move(s->env);
  r.facts.message_id = std::move(s->message_id);  // known when skipped at end of message
  r.facts.subject = s->subject.value_or("");
  r.verdict.notes.push_back(r.envelope.auth_user.empty() ? "outbound (trusted network): not scored"
                                                         : "outbound (authenticated): not scored");
  g_shared->log->Write(std::move(r));
}

sfsistat OnEnvFrom(SMFICTX* ctx, char** argv) {
  return Guard(ctx, "mail", SMFIP_NR_MAIL, [&](Session* s) {
    s->StartMessage();
    s->env.mail_from = StripBrackets(argv ? argv[0] : nullptr);
    s->env.queue_id = Symbol(ctx, "i");  // sendmail has it now; Postfix from DATA on
    s->env.auth_user = Symbol(ctx, g_shared->auth_macro.c_str());
    if (!s->env.auth_user.empty()) s->outbound = true;
    if (s->outbound && s->engine->config().milter.skip_outbound) {
      if ((s->no_reply_steps & SMFIP_NR_MAIL) != 0) {
        s->skip_at_eom = true;  // MAIL cannot answer: accepted at end of message
      } else {
        LogOutboundSkipped(s);
        s->EndMessage();
        return Answer(s, SMFIS_ACCEPT);
      }
    }
    return Answer(s, Continue(s, SMFIP_NR_MAIL));
  });
}

sfsistat OnEnvRcpt(SMFICTX* ctx, char** argv) {
  return Guard(ctx, "rcpt", SMFIP_NR_RCPT, [&](Session* s) {
    // Bounded by the MTA's own recipient limit; the log wants them all.
    if (argv && argv[0]) s->env.rcpts.push_back(StripBrackets(argv[0]));
    return Answer(s, Continue(s, SMFIP_NR_RCPT));
  });
}

sfsistat OnData(SMFICTX* ctx) {
  return Guard(ctx, "data", SMFIP_NR_DATA,
               [&](Session* s) { return Answer(s, Continue(s, SMFIP_NR_DATA)); });
}

sfsistat OnUnknown(SMFICTX* ctx, const char*) {
  return Guard(ctx, "unknown", SMFIP_NR_UNKN,
               [&](Session* s) { return Answer(s, Continue(s, SMFIP_NR_UNKN)); });
}

sfsistat OnHeader(SMFICTX* ctx, char* name, char* value) {
  return Guard(ctx, "header", SMFIP_NR_HDR, [&](Session* s) {
    if (!s->engine)
      return Answer(s, Continue(s, SMFIP_NR_HDR));  // no MAIL FROM seen: nothing to score
    const std::string_view v = value ? value : "";
    if (!s->subject && name && strcasecmp(name, "Subject") == 0) s->subject = std::string(v);
    if (s->message_id.empty() && name && strcasecmp(name, "Message-ID") == 0) {
      s->message_id = std::string(v.substr(0, 998));
    }
    // Outbound and skipped: only Subject and Message-ID, for its log line.
    if (s->skip_at_eom) return Answer(s, Continue(s, SMFIP_NR_HDR));
    std::string& line = s->header_line;
    line.assign(name ? name : "");
    line += ": ";
    // The MTA joins folded lines with a bare LF; the message is CRLF throughout.
    for (size_t from = 0; from < v.size();) {
      const size_t lf = v.find('\n', from);
      if (lf == std::string_view::npos) {
        line.append(v.substr(from));
        break;
      }
      line.append(v.substr(from, lf - from));
      if (lf == 0 || v[lf - 1] != '\r') line += '\r';
      line += '\n';
      from = lf + 1;
    }
    line += "\r\n";
    Collect(s, line);
    return Answer(s, Continue(s, SMFIP_NR_HDR));
  });
}

sfsistat OnEoh(SMFICTX* ctx) {
  return Guard(ctx, "eoh", SMFIP_NR_EOH, [&](Session* s) {
    if (s->engine) Collect(s, "\r\n");
    return Answer(s, Continue(s, SMFIP_NR_EOH));
  });
}

sfsistat OnBody(SMFICTX* ctx, unsigned char* chunk, size_t len) {
  return Guard(ctx, "body", SMFIP_NR_BODY, [&](Session* s) {
    if (s->engine) Collect(s, std::string_view(reinterpret_cast<const char*>(chunk), len));
    // Past the scan limit the rest of the body cannot change the verdict: SKIP, unless body
    // chunks are no-reply (then the MessageBuffer counts and drops the rest).
    if ((s->no_reply_steps & SMFIP_NR_BODY) == 0 && s->buffer && s->buffer->truncated()) {
      return Answer(s, SMFIS_SKIP);
    }
    return Answer(s, Continue(s, SMFIP_NR_BODY));
  });
}

// Scores the collected message and answers the MTA; the heart of the milter.
sfsistat Finish(SMFICTX* ctx, Session* s) {
  const auto start = std::chrono::steady_clock::now();
  if (!s->engine) s->StartMessage();  // EOM without MAIL FROM: score what we have (nothing)
  const Config& c = s->engine->config();
  const Thresholds& th = s->outbound ? c.milter.outbound_thresholds : c.scoring.thresholds;
  const std::string queue_id = Symbol(ctx, "i");
  if (!queue_id.empty()) s->env.queue_id = queue_id;
  if (s->skip_at_eom) {  // outbound, skipped at MAIL: the same outcome, one step later
    LogOutboundSkipped(s);
    s->EndMessage();
    return Answer(s, SMFIS_ACCEPT);
  }

  ScoreResult result;
  std::string_view raw;
  if (s->failure.empty()) {
    auto view = s->buffer->View();
    if (view.ok()) {
      raw = *view;
    } else {
      s->Fail(view.status().ToString());
    }
  }
  if (s->failure.empty()) {
    result = s->outbound ? s->engine->Score(raw, th) : s->engine->Score(raw);
  } else {
    result.verdict.error = true;
    result.verdict.action =
        c.on_error == ErrorPolicy::kTempfail ? Action::kTempfail : Action::kAccept;
    result.verdict.notes.push_back("milter error: " + s->failure);
    result.facts.message_id = s->message_id;
    result.facts.subject = s->subject.value_or("");
  }
  if (s->buffer->truncated()) {
    // Past max_scan_bytes the body was not scanned; after a SKIP the total is a lower bound.
    result.verdict.notes.push_back("scanned " + std::to_string(s->buffer->kept_bytes()) + " of " +
                                   std::to_string(s->buffer->total_bytes()) +
                                   " bytes received (rest of the body skipped)");
  }
  result.facts.size = s->buffer->total_bytes();

  const ReplyPlan plan = PlanReply(result.verdict, c.headers, th.SpamThreshold(), s->subject);
  for (const auto& [name, value] : plan.add_headers) {
    smfi_addheader(ctx, const_cast<char*>(name.c_str()), const_cast<char*>(value.c_str()));
  }
  if (plan.new_subject) {
    char* subject = const_cast<char*>(plan.new_subject->c_str());
    if (plan.subject_exists) {
      smfi_chgheader(ctx, const_cast<char*>("Subject"), 1, subject);
    } else {
      smfi_addheader(ctx, const_cast<char*>("Subject"), subject);
    }
  }
  if (!plan.quarantine_reason.empty()) {
    smfi_quarantine(ctx, const_cast<char*>(plan.quarantine_reason.c_str()));
  }
  sfsistat status = SMFIS_CONTINUE;
  switch (plan.disposition) {
    case Disposition::kAccept:
      status = SMFIS_CONTINUE;
      break;
    case Disposition::kDiscard:
      status = SMFIS_DISCARD;
      break;
    case Disposition::kReject:
    case Disposition::kTempfail:
      smfi_setreply(ctx, const_cast<char*>(plan.rcode.c_str()),
                    const_cast<char*>(plan.xcode.c_str()), const_cast<char*>(plan.text.c_str()));
      status = plan.disposition == Disposition::kReject ? SMFIS_REJECT : SMFIS_TEMPFAIL;
      break;
  }

  if (g_shared->log != nullptr) {
    LogRecord r;
    r.time = std::chrono::system_clock::now();
    r.source = "milter";
    r.envelope = std::move(s->env);
    r.facts = std::move(result.facts);
    r.verdict = std::move(result.verdict);
    if (r.verdict.times.total_us == 0) {
      r.verdict.times.total_us =
          static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - start)
                                    .count());
    }
    g_shared->log->Write(std::move(r));
  }
  s->EndMessage();
  return Answer(s, status);
}

// The score-log line for a message whose end-of-message step threw (Finish failed, e.g.
// bad_alloc while scoring): the MTA gets the on_error answer, and the admin's log must say
// so too. What Finish already moved out of the session (the envelope) may be empty. Never
// throws: a failure here (memory again) costs the line, not the answer to the MTA.
void LogFailedEnd(Session* s, Action action, const char* what) noexcept {
  if (g_shared->log == nullptr || s == nullptr) return;
  try {
    LogRecord r;
    r.time = std::chrono::system_clock::now();
    r.source = "milter";
    r.envelope = s->env;
    r.facts.message_id = s->message_id;
    r.facts.subject = s->subject.value_or("");
    if (s->buffer) r.facts.size = s->buffer->total_bytes();
    r.verdict.error = true;
    r.verdict.action = action;
    r.verdict.bayes.status = "not scored";
    r.reason = std::string("end of message failed: ") + what;
    g_shared->log->Write(std::move(r));
  } catch (...) {
    Warn("end of message", "could not write the score-log line either");
  }
}

sfsistat OnEom(SMFICTX* ctx) {
  Session* s = GetSession(ctx);
  char what[256] = "unknown exception";  // copied without allocating: memory may be short
  try {
    if (s != nullptr) return Finish(ctx, s);
  } catch (const std::exception& e) {
    Warn("end of message", e.what());
    std::snprintf(what, sizeof what, "%s", e.what());
  } catch (...) {
    Warn("end of message", "unknown exception");
  }
  // Finish itself failed: the configured default, decided without the engine if need be.
  const bool tempfail = s && s->engine && s->engine->config().on_error == ErrorPolicy::kTempfail;
  LogFailedEnd(s, tempfail ? Action::kTempfail : Action::kAccept, what);
  if (s) s->EndMessage();
  if (tempfail) {
    smfi_setreply(ctx, const_cast<char*>("451"), const_cast<char*>("4.7.1"),
                  const_cast<char*>("Temporary content filter error"));
    return SMFIS_TEMPFAIL;
  }
  return SMFIS_CONTINUE;
}

sfsistat OnAbort(SMFICTX* ctx) {
  return Guard(ctx, "abort", 0, [&](Session* s) {
    s->EndMessage();
    return Answer(s, SMFIS_CONTINUE);
  });
}

sfsistat OnClose(SMFICTX* ctx) {
  delete GetSession(ctx);
  smfi_setpriv(ctx, nullptr);
  return SMFIS_CONTINUE;
}

class LibMilter final : public Milter {
 public:
  explicit LibMilter(std::string socket) : socket_(std::move(socket)) {}
  Status Run() override {
    const int rc = smfi_main();
    return rc == MI_SUCCESS ? Status::Ok() : Status::Internal("libmilter smfi_main failed");
  }
  void Stop() override { smfi_stop(); }
  Status Reload(const Config& config) override {
    auto nets = ParseTrustedNetworks(config);
    if (!nets.ok()) return nets.status();
    g_shared->trusted.Set(std::make_shared<const NetworkList>(std::move(*nets)));
    return Status::Ok();
  }
  const std::string& socket() const override { return socket_; }

 private:
  std::string socket_;
};

// Gives a unix socket the configured mode, and to the run-as user, so the MTA can reach it
// after we drop root.
Status PrepareUnixSocket(const Config& config, const std::string& path) {
  if (::chmod(path.c_str(), config.milter.socket_mode) != 0) {
    return Status::Io("chmod " + path + ": " + std::strerror(errno));
  }
  if (!config.milter.user.empty() && ::geteuid() == 0) {
    uid_t uid;
    gid_t gid;
    Status st = LookupUser(config.milter.user, &uid, &gid);
    if (!st.ok()) return st;
    if (::chown(path.c_str(), uid, gid) != 0) {
      return Status::Io("chown " + path + ": " + std::strerror(errno));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Milter>> Milter::Open(const Config& config, EngineHolder* engines,
                                             ScoreLog* log) {
  if (g_shared != nullptr) return Status::Internal("a milter is already open in this process");
  const std::string& sock = config.milter.socket;
  if (!IsMilterSocket(sock)) {
    return Status::Invalid("milter.socket \"" + sock + "\": expected inet:PORT@HOST or unix:/path");
  }
  auto nets = ParseTrustedNetworks(config);
  if (!nets.ok()) return nets.status();

  auto* shared = new Shared;
  shared->engines = engines;
  shared->log = log;
  shared->trusted.Set(std::make_shared<const NetworkList>(std::move(*nets)));
  const char* no_reply = std::getenv("SLUICE_MILTER_NO_REPLY");
  shared->no_reply = no_reply == nullptr || std::string_view(no_reply) != "0";
  const char* read_ahead = std::getenv("SLUICE_MILTER_READ_AHEAD");
  shared->read_ahead = read_ahead == nullptr || std::string_view(read_ahead) != "0";
  if (const char* wait = std::getenv("SLUICE_MILTER_SESSION_WAIT_MS"))
    SetSessionWait(std::atoi(wait));
  shared->auth_macro =
      config.milter.auth_macro.empty() ? "{auth_authen}" : config.milter.auth_macro;
  g_shared = shared;

  static char name[] = "sluice";
  smfiDesc desc{};
  desc.xxfi_name = name;
  desc.xxfi_version = SMFI_VERSION;
  desc.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST;
  desc.xxfi_connect = OnConnect;
  desc.xxfi_helo = OnHelo;
  desc.xxfi_envfrom = OnEnvFrom;
  desc.xxfi_envrcpt = OnEnvRcpt;
  desc.xxfi_header = OnHeader;
  desc.xxfi_eoh = OnEoh;
  desc.xxfi_body = OnBody;
  desc.xxfi_eom = OnEom;
  desc.xxfi_abort = OnAbort;
  desc.xxfi_close = OnClose;
  desc.xxfi_unknown = OnUnknown;
  desc.xxfi_data = OnData;
  desc.xxfi_negotiate = OnNegotiate;

  std::string conn = sock;
  if (smfi_setconn(conn.data()) == MI_FAILURE)
    return Status::Invalid("smfi_setconn " + sock + " failed");
  if (config.milter.timeout_s > 0) smfi_settimeout(static_cast<int>(config.milter.timeout_s));
  smfi_setbacklog(256);
  if (smfi_register(desc) == MI_FAILURE) return Status::Internal("smfi_register failed");
  // Binds now (as root if we are), so privileges can be dropped before serving.
  if (smfi_opensocket(true) == MI_FAILURE) {
    return Status::Io("cannot listen on " + sock + " (in use, or no permission?)");
  }
  if (const std::string_view path = UnixSocketPath(sock); !path.empty()) {
    Status st = PrepareUnixSocket(config, std::string(path));
    if (!st.ok()) return st;
  } else {
    shared->tuning.ListenOn(sock);
  }
  return std::unique_ptr<Milter>(new LibMilter(sock));
}

}  // namespace sluice::milter
