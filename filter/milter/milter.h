// milter.h - sluice as a libmilter filter for Postfix (>= 2.6) and sendmail (8.14+).
//
// Open() registers the callbacks and binds the socket (inet:PORT@HOST or unix:/path, the
// latter chmod'ed to milter.socket_mode and chown'ed to the run-as user), so the caller can
// drop root right after. Run() then serves connections on libmilter's threads until Stop().
// Each message takes the EngineHolder's current Engine when its transaction starts and keeps
// it to the end, and reads its milter/header settings from that engine's Config, so a reload
// (EngineHolder::Set + Reload) never disturbs a message in flight.
//
// Per message: headers and body are collected with bounded memory (MessageBuffer), scored at
// end of message, answered per the verdict (reply_plan.h) and written to the ScoreLog.
// Steps that cannot change the outcome (connect, HELO, MAIL, unknown commands, RCPT, DATA,
// headers, end of headers, body chunks) are negotiated as no-reply when the MTA offers it, so
// it streams them without a round trip each; SLUICE_MILTER_NO_REPLY=0 in the environment
// answers every step instead. Past the scan limit a no-reply body is received and dropped
// (SKIP needs a reply); with body chunks answered, SKIP ends it early.
// Outbound mail (milter.auth_macro set, or milter.trusted_networks) with skip_outbound on is
// known at MAIL but, MAIL being no-reply, accepted unscored at end of message: its headers
// and body still cross the socket (only Subject and Message-ID are kept), and its score-log
// line then also has the queue id, recipients, Message-ID and Subject. That is the better
// trade where most mail is inbound (an MX): every message saves a round trip, each outbound
// one costs a transfer. Where most mail is outbound (a submission service)
// milter.skip_outbound_at_mail: true answers MAIL again and accepts outbound mail there,
// before its content is sent; so does an MTA that does not offer no-reply for MAIL.
// Failure policy: an exception, a failed spill or any internal error in a callback never
// reaches libmilter; the message ends in the config's on_error action (accept or tempfail)
// and the log line says error=true.
//
// libmilter is process-global: at most one Milter per process.
// Thread-safety: Stop() and Reload() may be called from any thread while Run() runs.
#pragma once

#include <memory>
#include <string>

#include "filter/config/config.h"
#include "filter/engine/engine_holder.h"
#include "filter/log/score_log.h"
#include "filter/util/status.h"

namespace sluice::milter {

class Milter {
 public:
  // `log` may be null (no score log). `engines` and `log` must outlive the Milter.
  static Result<std::unique_ptr<Milter>> Open(const Config& config, EngineHolder* engines,
                                              ScoreLog* log);
  virtual ~Milter() = default;

  // Serves until Stop(); returns an error if libmilter failed. Blocks: run it on a thread.
  virtual Status Run() = 0;
  // Asks libmilter to stop; Run() returns within about 5 s (libmilter's listener poll).
  virtual void Stop() = 0;
  // Settings read outside the Engine snapshot (trusted networks). Invalid leaves the old.
  virtual Status Reload(const Config& config) = 0;
  // The socket as libmilter takes it, e.g. "inet:11339@127.0.0.1".
  virtual const std::string& socket() const = 0;
};

}  // namespace sluice::milter
