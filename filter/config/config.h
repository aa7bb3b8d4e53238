// config.h - sluice's configuration: one YAML file for the CLI and the daemon.
//
// Where it comes from, first match wins: --config FILE, $SLUICE_CONFIG,
// /etc/sluice/sluice.yaml, else the embedded default (packaging/sluice.yaml compiled in).
// Relative paths inside a file are taken relative to that file's directory.
//
// Failure: LoadConfig returns a non-ok Status naming file:line and the key for any
// unknown key, bad type or bad value; a broken file is never half-applied.
// Thread-safety: a Config is a plain value; share it as shared_ptr<const Config>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "filter/mime/message.h"
#include "filter/util/status.h"
#include "filter/verdict/verdict.h"

namespace sluice {

struct ScoringConfig {
  std::vector<std::string> rule_files;  // loaded in order; later files override earlier ones
  std::string rules_cache_dir;          // compiled Hyperscan databases; "" disables the cache
  bool bayes_enabled = true;
  std::string bayes_db;                 // RocksDB directory of the token store
  double bayes_weight = 8.0;            // score added at probability 1 (subtracted near 0)
  Thresholds thresholds;                // default: add_header 5, reject 10
  size_t max_scan_bytes = 1024 * 1024;  // bytes of a message that are scored
  uint32_t time_budget_ms = 10000;      // per message; over it the error action applies
  mime::Limits limits;
};

// What a daemon does when scoring fails or runs over its budget.
enum class ErrorPolicy : uint8_t { kAccept, kTempfail };

struct HeaderConfig {
  bool add_headers = true;        // X-Spam-Flag / X-Spam-Score / X-Spam-Status
  bool add_status_on_ham = true;  // X-Spam-Status: No, ... on accepted mail too
  std::string subject_tag = "[SPAM]";
  std::string reject_text = "Message rejected as spam";
  std::string tempfail_text = "Try again later";
};

struct MilterConfig {
  std::string socket = "inet:11339@127.0.0.1";  // libmilter syntax: inet:PORT@HOST or unix:/path
  uint32_t socket_mode = 0660;                  // for unix: sockets
  std::string user;                             // drop root to this user after binding
  size_t spill_bytes = 512 * 1024;              // bodies above this go to a temporary file
  std::string spill_dir = "/tmp";
  std::string auth_macro = "{auth_authen}";   // set => authenticated (outbound) mail
  std::vector<std::string> trusted_networks;  // CIDRs whose mail counts as outbound
  bool skip_outbound = true;                  // false: score outbound with outbound_thresholds
  // true: a skipped outbound message is accepted at MAIL FROM, before its content is sent
  // (MAIL answered: one round trip more on every message); false: MAIL is no-reply and it
  // is accepted unscored at end of message. milter.h says when each is the better choice.
  bool skip_outbound_at_mail = false;
  Thresholds outbound_thresholds;
  uint32_t timeout_s = 300;  // libmilter connection timeout
};

struct SmtpConfig {
  bool enabled = false;
  std::string listen = "127.0.0.1:10025";
  std::string downstream = "127.0.0.1:10026";
  std::vector<std::string> allowed_networks = {"127.0.0.0/8", "::1/128"};
  std::vector<std::string> xforward_hosts = {"127.0.0.0/8", "::1/128"};
  std::string hostname = "localhost";
  size_t max_message_bytes = 50 * 1024 * 1024;
  uint32_t max_recipients = 1000;
  uint32_t max_connections = 2000;
  uint32_t max_connections_per_ip = 100;
  uint32_t command_timeout_s = 300;
  uint32_t data_timeout_s = 600;
  uint32_t downstream_timeout_s = 120;
  std::string tls_cert;  // STARTTLS offered when both are set
  std::string tls_key;
  bool downstream_starttls = false;
  // Verify the downstream's certificate against this CA file ("" = no verification), and
  // its name against downstream_tls_name (default: the downstream host).
  std::string downstream_tls_ca;
  std::string downstream_tls_name;
  // Remove the client's own X-Spam-* headers before adding ours (a sender must not pre-set
  // X-Spam-Flag: NO).
  bool strip_client_spam_headers = true;
  // Threads serving connections (and scoring small messages): 0 = one per core, at most 4.
  // Fewer threads use less CPU per message when few sessions are open; more keep up with
  // many. Read at start only (a reload does not change it).
  uint32_t io_threads = 0;
};

struct LogConfig {
  std::string score_log;  // JSON lines, one per message; "" = none
  std::string level = "info";
};

struct Config {
  std::string source;  // file it came from, or "<embedded default>"
  ScoringConfig scoring;
  ErrorPolicy on_error = ErrorPolicy::kAccept;
  HeaderConfig headers;
  MilterConfig milter;
  SmtpConfig smtp;
  LogConfig log;
  std::string user;  // run-as user for daemons, "" = stay
};

// Parses YAML text; `name` is used in error messages and to resolve relative paths.
Result<Config> ParseConfig(std::string_view yaml_text, const std::string& name);
// Loads a file. An empty path means the search order above.
Result<Config> LoadConfig(const std::string& path);
// The embedded default configuration, with paths resolved for this installation.
Config DefaultConfig();
// The text of the embedded default (packaging/sluice.yaml).
std::string_view DefaultConfigText();

}  // namespace sluice
