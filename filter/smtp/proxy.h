// proxy.h - the before-queue SMTP proxy: sluice answers SMTP, scores each message while
// the client waits, and relays it to the downstream MTA or rejects it.
//
// Promise: nothing is acknowledged to a client that the downstream did not accept. The
// client's 250 after DATA is the downstream's own 250 (its reply text is passed back);
// spam over the reject threshold gets 550 5.7.1 and the downstream transaction is reset
// (RSET; or, when DATA had already gone downstream, the downstream connection is closed
// before the final ".", which delivers nothing);
// a downstream that is down, refuses or is too slow gives the client a 4xx.
// Only clients in smtp.allowed_networks may connect; XFORWARD/XCLIENT are honoured only
// from smtp.xforward_hosts.
//
// Failure: Start() returns a non-ok Status when the listen address is bad or cannot be
// bound, or the TLS certificate/key cannot be loaded. After that, errors are per session
// (a reply code to the client) and never stop the proxy.
// Thread-safety: Reload() and Stop() may be called from any thread (e.g. a signal
// handler's thread, not the handler itself). Stop() is idempotent.
#pragma once

#include <memory>

#include "filter/config/config.h"
#include "filter/engine/engine_holder.h"
#include "filter/log/score_log.h"
#include "filter/util/status.h"

namespace sluice::smtp {

class Proxy {
 public:
  // Binds config.smtp.listen and starts its I/O threads; returns once listening.
  // `engines` must outlive the proxy; `log` may be nullptr (no score log), else it too
  // must outlive the proxy.
  static Result<std::unique_ptr<Proxy>> Start(const Config& config, EngineHolder* engines,
                                              ScoreLog* log);
  // What Start() and Reload() would refuse in `config`'s smtp section (networks, addresses,
  // TLS certificate and key, downstream CA), without binding anything: `serve --check`.
  static Status Check(const Config& config);
  virtual ~Proxy() = default;
  // Settings for new sessions (sessions in progress keep theirs). The listen address is
  // not rebound on reload. Returns non-ok, and changes nothing, when the settings cannot be
  // built (e.g. the TLS certificate cannot be loaded): the caller then refuses the whole
  // reload, so the rules and thresholds of the file are not applied without its SMTP part.
  virtual Status Reload(const Config& config) = 0;
  // Stops accepting; sessions between transactions get 421 and are closed at once, those
  // in a transaction get a bounded time to finish it, then they are closed too.
  virtual void Stop() = 0;
};

}  // namespace sluice::smtp
