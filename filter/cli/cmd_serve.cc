// cmd_serve.cc - `sluice serve`: the daemon. Milter listener (libmilter) and, when
// enabled, the before-queue SMTP proxy, both around one EngineHolder and one ScoreLog.
//
// Runs in the foreground (systemd style), logs to stderr. Signals are blocked in every
// thread (the mask is set before any thread starts) and taken by sigtimedwait() on the main
// thread: SIGTERM/SIGINT stop, SIGHUP reloads config and rules, SIGUSR1 reopens the score
// log. libmilter's own signal thread also waits for SIGHUP/SIGTERM/SIGINT and would *stop*
// the milter on SIGHUP; Linux hands a process-directed signal to the main thread first only
// while it waits, so a signal arriving while the main thread handled the one before went to
// libmilter. With the static libmilter that thread's sigwait never returns
// (filter/milter/libmilter_signals.cc); with the shared one, a milter stopped that way ends
// the daemon with status 3 (below), not 0.
//
// Reload: the new config is loaded and a new Engine built off the hot path
// (Engine::Reload); on any error the old engine keeps running and the error is logged.
// Socket, listen address, user and score-log path are fixed at start (restart to change).
// A SIGTERM during a reload does not wait for it: the daemon stops and exits at once.
//
// Exit status: 0 after a clean stop; 1 when the config, rules, socket or privilege drop
// fail at startup; 3 when the milter stops while serving without being asked to.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "filter/cli/command.h"

#include "filter/config/milter_socket.h"
#include "filter/engine/engine.h"
#include "filter/engine/engine_holder.h"
#include "filter/log/score_log.h"
#include "filter/milter/milter.h"
#include "filter/milter/privileges.h"
#include "filter/smtp/proxy.h"

namespace sluice::cli {
namespace {

struct ServeArgs {
  bool check = false;
};

void Say(const std::string& text) { std::fprintf(stderr, "sluice: %s\n", text.c_str()); }

// A config that loads but likely is a mistake (no rule files) must not pass silently.
void SayWarnings(const Engine& engine) {
  for (const std::string& w : engine.warnings()) Say("warning: " + w);
}

// A spill directory that is not there loads (it may be made later) but fails every message
// over milter.spill_bytes: each gets the on_error action unscored (with on_error: tempfail,
// every big message is deferred for ever). Said at start, by --check and after a reload.
void SaySpillDirWarning(const Config& config) {
  if (config.milter.socket.empty() || config.milter.spill_dir.empty()) return;
  std::error_code ec;
  if (std::filesystem::is_directory(config.milter.spill_dir, ec)) return;
  Say("warning: milter.spill_dir " + config.milter.spill_dir +
      " is not a directory: messages over milter.spill_bytes (" +
      std::to_string(config.milter.spill_bytes) + ") will not be scored and get on_error (" +
      (config.on_error == ErrorPolicy::kTempfail ? "tempfail" : "accept") + ")");
}

// The user the daemon drops root to: milter.user, else user ("" for none).
std::string RunAsUser(const Config& config) {
  return config.milter.user.empty() ? config.user : config.milter.user;
}

// The directory a unix:/local: milter socket is made in must exist and take new entries.
Status CheckUnixSocketDirectory(const std::string& socket) {
  const std::string path(UnixSocketPath(socket));
  if (path.empty()) return Status::Ok();
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return Status::Io("milter.socket " + socket + ": directory " + dir + ": " +
                      std::strerror(errno));
  }
  return Status::Ok();
}

sigset_t DaemonSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGHUP, SIGTERM, SIGINT, SIGUSR1}) sigaddset(&set, sig);
  return set;
}

// The reload worker: builds the new engine while the main thread keeps taking signals.
class Reloader {
 public:
  using Work = std::function<void()>;
  explicit Reloader(Work work) : work_(std::move(work)), thread_([this] { Loop(); }) {}
  ~Reloader() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  void Request() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_ = true;  // several SIGHUPs during one reload coalesce into one more
    }
    cv_.notify_one();
  }
  // No reload starts after this. True if one is running now (a cold rules compile can take
  // a minute): the destructor would wait for it.
  bool StopAndSayIfBusy() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      if (busy_) return true;
    }
    cv_.notify_one();
    return false;
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || pending_; });
      if (stop_) return;
      pending_ = false;
      busy_ = true;
      lock.unlock();
      // An exception here would end the daemon (std::terminate on this thread): a reload
      // that throws is a refused reload, and the old configuration keeps running.
      try {
        work_();
      } catch (const std::exception& e) {
        Say(std::string("reload refused, old configuration keeps running: ") + e.what());
      } catch (...) {
        Say("reload refused, old configuration keeps running: unknown error");
      }
      lock.lock();
      busy_ = false;
    }
  }
  Work work_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;
};

int Serve(const Globals& globals, const ServeArgs& args) {
  // Before any thread exists, so every thread (libmilter's, the proxy's) inherits the mask.
  const sigset_t signals = DaemonSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  auto config = globals.LoadConfiguration();
  if (!config.ok()) {
    Say("config: " + config.status().ToString());
    return 1;
  }
  auto engine = Engine::Open(*config);
  if (!engine.ok()) {
    Say("cannot start: " + engine.status().ToString());
    return 1;
  }
  SayWarnings(**engine);
  SaySpillDirWarning(*config);
  if (args.check) {
    if (!config->log.score_log.empty()) {
      if (Status st = ScoreLog::Check(config->log.score_log); !st.ok()) {
        Say("cannot start: " + st.ToString());
        return 1;
      }
    }
    // The run-as user: a start as root looks it up to drop privileges (and to own a unix
    // socket) and refuses to serve without it; --check said ok, and systemd's ExecStartPre
    // passed a start that then failed.
    if (const std::string user = RunAsUser(*config); !user.empty()) {
      uid_t uid = 0;
      gid_t gid = 0;
      if (Status st = milter::LookupUser(user, &uid, &gid); !st.ok()) {
        Say("cannot drop privileges: " + st.ToString());
        return 1;
      }
    }
    // A unix milter socket is bound in its directory at start ("cannot listen on ..."):
    // one that is missing (or not writable) must not pass --check either.
    if (Status st = CheckUnixSocketDirectory(config->milter.socket); !st.ok()) {
      Say("cannot start milter: " + st.ToString());
      return 1;
    }
    // The proxy's own files (TLS certificate and key, downstream CA) too: `--check` before
    // a reload must not pass what the reload would refuse.
    if (config->smtp.enabled) {
      if (Status st = smtp::Proxy::Check(*config); !st.ok()) {
        Say("cannot start SMTP proxy: " + st.ToString());
        return 1;
      }
    }
    std::printf("config %s: ok\n", config->source.c_str());
    return 0;
  }
  EngineHolder engines(std::move(*engine));

  std::unique_ptr<ScoreLog> log;
  if (!config->log.score_log.empty()) {
    auto opened = ScoreLog::Open(config->log.score_log);
    if (!opened.ok()) {
      Say("cannot start: " + opened.status().ToString());
      return 1;
    }
    log = std::move(*opened);
  }

  std::unique_ptr<milter::Milter> milter;
  if (!config->milter.socket.empty()) {
    auto opened = milter::Milter::Open(*config, &engines, log.get());
    if (!opened.ok()) {
      Say("cannot start milter: " + opened.status().ToString());
      return 1;
    }
    milter = std::move(*opened);
  }
  std::unique_ptr<smtp::Proxy> proxy;
  if (config->smtp.enabled) {
    auto started = smtp::Proxy::Start(*config, &engines, log.get());
    if (!started.ok()) {
      Say("cannot start SMTP proxy: " + started.status().ToString());
      return 1;
    }
    proxy = std::move(*started);
  }
  if (!milter && !proxy) {
    Say("nothing to serve: milter.socket is \"\" and smtp.enabled is false");
    return 1;
  }

  // Everything that needs root (binding low ports, the socket's owner) is done.
  const std::string user = RunAsUser(*config);
  // The rules cache was made by root at start; a reload as `user` caches changed rules there.
  if (Status st = milter::HandOverDirectory(config->scoring.rules_cache_dir, user); !st.ok()) {
    Say("warning: rules cache stays root's (reloads will not cache): " + st.ToString());
  }
  if (Status st = milter::DropPrivileges(user); !st.ok()) {
    Say("cannot drop privileges: " + st.ToString());
    return 1;
  }

  std::atomic<bool> milter_done{false};
  Status milter_status;
  std::thread milter_thread;
  if (milter) {
    Say("milter listening on " + milter->socket() + " (config " + config->source + ")");
    milter_thread = std::thread([&] {
      milter_status = milter->Run();
      milter_done = true;
    });
  }
  if (proxy) Say("SMTP proxy listening on " + config->smtp.listen);

  const std::string config_path = globals.config_path;
  Reloader reloader([&] {
    auto fresh = LoadConfig(config_path);
    if (!fresh.ok()) {
      Say("reload refused, old configuration keeps running: " + fresh.status().ToString());
      return;
    }
    auto current = engines.Get();
    auto next = current->Reload(*fresh);
    if (!next.ok()) {
      Say("reload refused, old rules keep running: " + next.status().ToString());
      return;
    }
    // Every fallible part before anything is applied: a refused reload changes nothing.
    if (proxy) {
      if (Status st = proxy->Reload(*fresh); !st.ok()) {
        Say("reload refused, old configuration keeps running: " + st.ToString());
        return;
      }
    }
    if (milter) {
      // Its only input, milter.trusted_networks, was checked by LoadConfig.
      if (Status st = milter->Reload(*fresh); !st.ok()) {
        Say("reload refused, old configuration keeps running: " + st.ToString());
        return;
      }
    }
    SayWarnings(**next);
    SaySpillDirWarning(*fresh);
    engines.Set(std::move(*next));
    if (fresh->milter.socket != config->milter.socket ||
        fresh->log.score_log != config->log.score_log) {
      Say("reload: socket and score_log changes take effect at the next restart");
    }
    Say("reloaded " + fresh->source);
  });

  int exit_code = 0;
  for (;;) {
    timespec tick{0, 200 * 1000 * 1000};
    const int sig = sigtimedwait(&signals, nullptr, &tick);
    if (milter && milter_done) {
      // Nothing here asked it to stop: a failure, or (with a shared libmilter, whose signal
      // thread is not disarmed: libmilter_signals.cc) a SIGHUP/SIGTERM taken by libmilter.
      // Not a clean stop: exit 3, so that systemd's Restart=on-failure brings it back.
      Say("milter stopped unexpectedly: " +
          (milter_status.ok() ? std::string("libmilter returned") : milter_status.ToString()));
      exit_code = 3;
      break;
    }
    if (sig == SIGTERM || sig == SIGINT) {
      Say(sig == SIGTERM ? "SIGTERM: stopping" : "SIGINT: stopping");
      break;
    }
    if (sig == SIGHUP) reloader.Request();
    if (sig == SIGUSR1 && log) {
      log->Reopen();
      Say("SIGUSR1: score log reopened");
    }
  }

  // Both asked at once: libmilter takes up to 5 s to notice, the proxy up to 10 s for a
  // transaction in flight; one after the other they reached systemd's TimeoutStopSec (15 s)
  // and the queued score-log lines died with the SIGKILL.
  if (milter) milter->Stop();
  if (proxy) proxy->Stop();
  if (milter_thread.joinable()) milter_thread.join();
  if (log) log->Flush();
  if (reloader.StopAndSayIfBusy()) {
    // Waiting for the reload (Reloader's destructor joins it) could outlast systemd's
    // TimeoutStopSec and end in a SIGKILL. Nothing is left to lose: the milter and proxy
    // have stopped, the log is flushed, a rules cache is written by rename (atomic_file.h).
    // The reload thread still uses this frame's objects, so no destructor may run: _Exit.
    Say("stopped (a reload in progress was abandoned)");
    std::fflush(nullptr);
    std::_Exit(exit_code);
  }
  Say("stopped");
  return exit_code;
}

const bool registered = RegisterCommand(80, [](CLI::App& app, Globals& globals) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand(
      "serve",
      "run the daemon in the foreground: the milter (milter.socket) and, if enabled, the SMTP "
      "proxy; SIGHUP reloads, SIGUSR1 reopens the score log, SIGTERM stops");
  cmd->add_flag("--check", args->check, "load the configuration and rules, then exit");
  cmd->callback([&globals, args] { globals.exit_code = Serve(globals, *args); });
});

}  // namespace
}  // namespace sluice::cli
