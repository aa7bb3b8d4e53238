// config.cc - YAML configuration loading with file:line errors.
#include "filter/config/config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <stdexcept>

#include "filter/config/default_config.h"
#include "filter/config/milter_socket.h"
#include "filter/util/mapped_file.h"
#include "filter/util/network_list.h"
#include "filter/util/scoped_fd.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

// A config error carrying the YAML position; caught at the ParseConfig boundary.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string Where(const std::string& name, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return name;
  return name + ":" + std::to_string(mark.line + 1);
}

[[noreturn]] void Fail(const std::string& name, const YAML::Node& node, const std::string& key,
                       const std::string& what) {
  throw ConfigError(Where(name, node) + ": " + key + ": " + what);
}

std::string ShareDir() {
  if (const char* env = std::getenv("SLUICE_SHARE")) return env;
  // The tree this binary was installed into first (PREFIX/bin/sluice ->
  // PREFIX/share/sluice): `make install PREFIX=/opt/sluice`, or a DESTDIR tree, otherwise
  // fell back to the build's source tree and ran on its rules, or on none once it was gone.
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && exe.has_parent_path()) {
    const fs::path mine = exe.parent_path().parent_path() / "share" / "sluice";
    if (fs::exists(mine / "rules", ec)) return mine.string();
  }
  for (const char* dir : {"/usr/share/sluice", "/usr/local/share/sluice"}) {
    if (fs::exists(fs::path(dir) / "rules", ec)) return dir;
  }
  return SLUICE_SOURCE_DIR;
}

std::string StateDir() {
  if (const char* env = std::getenv("SLUICE_STATE")) return env;
  if (fs::exists("/var/lib/sluice")) return "/var/lib/sluice";
  return std::string(SLUICE_SOURCE_DIR) + "/build/state";
}

// Expands ${SHARE} and ${STATE}; makes relative paths relative to the config's directory.
std::string ResolvePath(std::string value, const std::string& base_dir) {
  auto replace = [&value](const std::string& from, const std::string& to) {
    for (size_t at = value.find(from); at != std::string::npos; at = value.find(from, at)) {
      value.replace(at, from.size(), to);
      at += to.size();
    }
  };
  replace("${SHARE}", ShareDir());
  replace("${STATE}", StateDir());
  if (!value.empty() && value[0] != '/' && !base_dir.empty()) {
    value = (fs::path(base_dir) / value).lexically_normal().string();
  }
  return value;
}

// Walks one mapping, dispatching each key to a handler; unknown keys are errors.
class Section {
 public:
  Section(const std::string& name, const YAML::Node& node, std::string prefix)
      : name_(name), node_(node), prefix_(std::move(prefix)) {
    if (node_ && !node_.IsNull() && !node_.IsMap())
      Fail(name_, node_, prefix_, "expected a mapping");
  }

  void On(const std::string& key, std::function<void(const YAML::Node&, const std::string&)> fn) {
    handlers_[key] = std::move(fn);
  }

  void Run() {
    if (!node_ || node_.IsNull()) return;
    for (const auto& item : node_) {
      const std::string key = item.first.as<std::string>();
      auto it = handlers_.find(key);
      const std::string full = prefix_.empty() ? key : prefix_ + "." + key;
      if (it == handlers_.end()) Fail(name_, item.first, full, "unknown key");
      it->second(item.second, full);
    }
  }

 private:
  const std::string& name_;
  YAML::Node node_;
  std::string prefix_;
  std::map<std::string, std::function<void(const YAML::Node&, const std::string&)>> handlers_;
};

class Loader {
 public:
  Loader(std::string name, std::string base_dir)
      : name_(std::move(name)), base_(std::move(base_dir)) {}

  template <typename T>
  T Scalar(const YAML::Node& node, const std::string& key) {
    if (!node.IsScalar()) Fail(name_, node, key, "expected a scalar value");
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      Fail(name_, node, key, "bad value '" + node.Scalar() + "'");
    }
  }

  // A score or weight: YAML's .nan and .inf parse as doubles, and a NaN threshold never
  // matches (and breaks the sort of the thresholds), a NaN weight makes every score NaN.
  double Finite(const YAML::Node& node, const std::string& key) {
    const double v = Scalar<double>(node, key);
    if (!std::isfinite(v)) Fail(name_, node, key, "must be a finite number");
    return v;
  }

  size_t Size(const YAML::Node& node, const std::string& key) {
    const long long v = Scalar<long long>(node, key);
    if (v < 0) Fail(name_, node, key, "must not be negative");
    return static_cast<size_t>(v);
  }

  // A count or duration kept in 32 bits: a bigger value would wrap (max_connections:
  // 4294967296 became 0 and refused every client). `min` refuses what cannot work, e.g. a
  // timeout of 0 that times every session out at once.
  uint32_t Count32(const YAML::Node& node, const std::string& key, uint32_t min = 0) {
    const size_t v = Size(node, key);
    if (v > UINT32_MAX) Fail(name_, node, key, "at most " + std::to_string(UINT32_MAX));
    if (v < min) Fail(name_, node, key, "at least " + std::to_string(min));
    return static_cast<uint32_t>(v);
  }

  // Text that goes on one line of the SMTP dialogue or into a header: a control character
  // (e.g. the newline a YAML folded scalar `>` ends with) would split the reply or the
  // header, and the client would read the next reply out of step. `allow_space` false for
  // a host name.
  std::string OneLine(const YAML::Node& node, const std::string& key, bool allow_space = true) {
    std::string text = Scalar<std::string>(node, key);
    for (unsigned char c : text) {
      if (c < 0x20 || c == 0x7f || (!allow_space && c == ' ')) {
        Fail(name_, node, key,
             allow_space ? "must be one line without control characters (a folded `>` or "
                           "literal `|` YAML string ends with a newline: use a quoted one)"
                         : "must be one word without spaces or control characters");
      }
    }
    return text;
  }

  std::string Path(const YAML::Node& node, const std::string& key) {
    return ResolvePath(Scalar<std::string>(node, key), base_);
  }

  std::vector<std::string> List(const YAML::Node& node, const std::string& key, bool paths) {
    if (node.IsNull()) return {};
    if (!node.IsSequence()) Fail(name_, node, key, "expected a list");
    std::vector<std::string> out;
    for (const auto& item : node)
      out.push_back(paths ? Path(item, key) : Scalar<std::string>(item, key));
    return out;
  }

  // A CIDR list (NetworkList syntax). Checked here, entry by entry, so that a typo is
  // refused with its file:line by `serve --check` and by a reload, instead of failing the
  // daemon's start (or, for the SMTP proxy, being skipped by a reload that applied the
  // rest of the file).
  std::vector<std::string> Networks(const YAML::Node& node, const std::string& key) {
    if (node.IsNull()) return {};
    if (!node.IsSequence()) Fail(name_, node, key, "expected a list");
    std::vector<std::string> out;
    for (const auto& item : node) {
      std::string entry = Scalar<std::string>(item, key);
      auto parsed = NetworkList::Parse({entry});
      if (!parsed.ok()) Fail(name_, item, key, parsed.status().message());
      out.push_back(std::move(entry));
    }
    return out;
  }

  // milter.socket as libmilter takes it; anything else passed `serve --check` and a reload,
  // and then failed the start ("cannot start milter").
  std::string MilterSocket(const YAML::Node& node, const std::string& key) {
    std::string text = Scalar<std::string>(node, key);
    if (text.empty()) return text;  // no milter
    if (IsMilterSocket(text)) return text;
    Fail(name_, node, key,
         "expected inet:PORT@HOST, inet6:PORT@HOST or unix:/path (\"\" for no milter), got '" +
             text + "'");
  }

  // "IP:PORT" or "[IPv6]:PORT" with a numeric address: the proxy listens and relays only on
  // addresses (it makes no DNS queries), so "localhost:25" would fail every connection.
  std::string HostPort(const YAML::Node& node, const std::string& key) {
    std::string text = Scalar<std::string>(node, key);
    std::string host, port;
    const bool split = SplitHostPort(text, &host, &port);
    unsigned char bytes[16];
    const bool address = split && (inet_pton(AF_INET, host.c_str(), bytes) == 1 ||
                                   inet_pton(AF_INET6, host.c_str(), bytes) == 1);
    const bool digits = !port.empty() && port.size() <= 5 &&
                        port.find_first_not_of("0123456789") == std::string::npos;
    const long number = digits ? std::strtol(port.c_str(), nullptr, 10) : 0;
    if (!address || number < 1 || number > 65535) {
      Fail(name_, node, key,
           "expected IP:PORT with a numeric address (127.0.0.1:25, [::1]:25), got '" + text + "'");
    }
    return text;
  }

  Thresholds Actions(const YAML::Node& node, const std::string& key) {
    if (!node.IsMap()) Fail(name_, node, key, "expected a mapping of action: score");
    Thresholds t;
    for (const auto& item : node) {
      const std::string action_name = item.first.as<std::string>();
      auto action = ParseAction(action_name);
      if (!action) {
        Fail(name_, item.first, key + "." + action_name,
             "unknown action (accept, add_header, rewrite_subject, quarantine, tempfail, reject, "
             "discard)");
      }
      t.steps.emplace_back(Finite(item.second, key + "." + action_name), *action);
    }
    std::stable_sort(t.steps.begin(), t.steps.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return t;
  }

  Config Load(const YAML::Node& root) {
    Config c;
    c.source = name_;
    c.scoring.thresholds.steps = {{5.0, Action::kAddHeader}, {10.0, Action::kReject}};
    c.milter.outbound_thresholds.steps = {{15.0, Action::kReject}};
    if (!root || root.IsNull()) return c;
    if (!root.IsMap()) Fail(name_, root, "(top)", "expected a mapping");

    Section top(name_, root, "");
    top.On("scoring",
           [&](const YAML::Node& n, const std::string& p) { LoadScoring(n, p, c.scoring); });
    top.On("on_error", [&](const YAML::Node& n, const std::string& p) {
      const auto v = Scalar<std::string>(n, p);
      if (v == "accept")
        c.on_error = ErrorPolicy::kAccept;
      else if (v == "tempfail")
        c.on_error = ErrorPolicy::kTempfail;
      else
        Fail(name_, n, p, "expected accept or tempfail");
    });
    top.On("headers", [&](const YAML::Node& n, const std::string& p) {
      Section s(name_, n, p);
      s.On("add", [&](auto& v, auto& k) { c.headers.add_headers = Scalar<bool>(v, k); });
      s.On("on_ham", [&](auto& v, auto& k) { c.headers.add_status_on_ham = Scalar<bool>(v, k); });
      s.On("subject_tag", [&](auto& v, auto& k) { c.headers.subject_tag = OneLine(v, k); });
      s.On("reject_text", [&](auto& v, auto& k) { c.headers.reject_text = OneLine(v, k); });
      s.On("tempfail_text", [&](auto& v, auto& k) { c.headers.tempfail_text = OneLine(v, k); });
      s.Run();
    });
    top.On("milter",
           [&](const YAML::Node& n, const std::string& p) { LoadMilter(n, p, c.milter); });
    top.On("smtp", [&](const YAML::Node& n, const std::string& p) { LoadSmtp(n, p, c.smtp); });
    top.On("log", [&](const YAML::Node& n, const std::string& p) {
      Section s(name_, n, p);
      s.On("score_log", [&](auto& v, auto& k) {
        const auto text = Scalar<std::string>(v, k);
        c.log.score_log = text.empty() ? "" : Path(v, k);
      });
      s.On("level", [&](auto& v, auto& k) { c.log.level = Scalar<std::string>(v, k); });
      s.Run();
    });
    top.On("user",
           [&](const YAML::Node& n, const std::string& p) { c.user = Scalar<std::string>(n, p); });
    top.Run();
    c.milter.user = c.milter.user.empty() ? c.user : c.milter.user;
    return c;
  }

 private:
  void LoadScoring(const YAML::Node& n, const std::string& p, ScoringConfig& s) {
    Section sec(name_, n, p);
    sec.On("rules", [&](auto& v, auto& k) { s.rule_files = List(v, k, true); });
    sec.On("rules_cache", [&](auto& v, auto& k) {
      s.rules_cache_dir = Scalar<std::string>(v, k).empty() ? "" : Path(v, k);
    });
    sec.On("bayes", [&](const YAML::Node& b, const std::string& bp) {
      Section bs(name_, b, bp);
      bs.On("enabled", [&](auto& v, auto& k) { s.bayes_enabled = Scalar<bool>(v, k); });
      bs.On("db", [&](auto& v, auto& k) { s.bayes_db = Path(v, k); });
      bs.On("weight", [&](auto& v, auto& k) { s.bayes_weight = Finite(v, k); });
      bs.Run();
    });
    sec.On("actions", [&](auto& v, auto& k) { s.thresholds = Actions(v, k); });
    sec.On("max_scan_bytes", [&](auto& v, auto& k) { s.max_scan_bytes = Size(v, k); });
    sec.On("time_budget_ms", [&](auto& v, auto& k) { s.time_budget_ms = Count32(v, k); });
    sec.On("limits", [&](const YAML::Node& l, const std::string& lp) {
      Section ls(name_, l, lp);
      ls.On("max_depth", [&](auto& v, auto& k) { s.limits.max_depth = Size(v, k); });
      ls.On("max_parts", [&](auto& v, auto& k) { s.limits.max_parts = Size(v, k); });
      ls.On("max_header_bytes", [&](auto& v, auto& k) { s.limits.max_header_bytes = Size(v, k); });
      ls.On("max_line_length", [&](auto& v, auto& k) { s.limits.max_line_length = Size(v, k); });
      ls.On("max_headers", [&](auto& v, auto& k) { s.limits.max_headers = Size(v, k); });
      ls.On("max_text_bytes", [&](auto& v, auto& k) { s.limits.max_text_bytes = Size(v, k); });
      ls.Run();
    });
    sec.Run();
  }

  void LoadMilter(const YAML::Node& n, const std::string& p, MilterConfig& m) {
    Section s(name_, n, p);
    s.On("socket", [&](auto& v, auto& k) { m.socket = MilterSocket(v, k); });
    s.On("socket_mode", [&](auto& v, auto& k) {
      const auto text = Scalar<std::string>(v, k);
      char* end = nullptr;
      const unsigned long mode = std::strtoul(text.c_str(), &end, 8);
      if (text.empty() || *end != '\0' || mode > 0777)
        Fail(name_, v, k, "expected an octal mode like \"0660\"");
      m.socket_mode = static_cast<uint32_t>(mode);
    });
    s.On("user", [&](auto& v, auto& k) { m.user = Scalar<std::string>(v, k); });
    s.On("spill_bytes", [&](auto& v, auto& k) { m.spill_bytes = Size(v, k); });
    s.On("spill_dir", [&](auto& v, auto& k) { m.spill_dir = Path(v, k); });
    s.On("auth_macro", [&](auto& v, auto& k) { m.auth_macro = Scalar<std::string>(v, k); });
    s.On("trusted_networks", [&](auto& v, auto& k) { m.trusted_networks = Networks(v, k); });
    s.On("skip_outbound", [&](auto& v, auto& k) { m.skip_outbound = Scalar<bool>(v, k); });
    s.On("skip_outbound_at_mail",
         [&](auto& v, auto& k) { m.skip_outbound_at_mail = Scalar<bool>(v, k); });
    s.On("outbound_actions", [&](auto& v, auto& k) { m.outbound_thresholds = Actions(v, k); });
    s.On("timeout_s", [&](auto& v, auto& k) { m.timeout_s = Count32(v, k); });
    s.Run();
  }

  void LoadSmtp(const YAML::Node& n, const std::string& p, SmtpConfig& m) {
    Section s(name_, n, p);
    s.On("enabled", [&](auto& v, auto& k) { m.enabled = Scalar<bool>(v, k); });
    s.On("listen", [&](auto& v, auto& k) { m.listen = HostPort(v, k); });
    s.On("downstream", [&](auto& v, auto& k) { m.downstream = HostPort(v, k); });
    s.On("allowed_networks", [&](auto& v, auto& k) { m.allowed_networks = Networks(v, k); });
    s.On("xforward_hosts", [&](auto& v, auto& k) { m.xforward_hosts = Networks(v, k); });
    s.On("hostname", [&](auto& v, auto& k) { m.hostname = OneLine(v, k, /*allow_space=*/false); });
    s.On("max_message_bytes", [&](auto& v, auto& k) { m.max_message_bytes = Size(v, k); });
    s.On("max_recipients", [&](auto& v, auto& k) { m.max_recipients = Count32(v, k, 1); });
    s.On("max_connections", [&](auto& v, auto& k) { m.max_connections = Count32(v, k, 1); });
    s.On("max_connections_per_ip",
         [&](auto& v, auto& k) { m.max_connections_per_ip = Count32(v, k, 1); });
    s.On("command_timeout_s", [&](auto& v, auto& k) { m.command_timeout_s = Count32(v, k, 1); });
    s.On("data_timeout_s", [&](auto& v, auto& k) { m.data_timeout_s = Count32(v, k, 1); });
    s.On("downstream_timeout_s",
         [&](auto& v, auto& k) { m.downstream_timeout_s = Count32(v, k, 1); });
    s.On("tls_cert", [&](auto& v, auto& k) {
      m.tls_cert = Scalar<std::string>(v, k).empty() ? "" : Path(v, k);
    });
    s.On("tls_key", [&](auto& v, auto& k) {
      m.tls_key = Scalar<std::string>(v, k).empty() ? "" : Path(v, k);
    });
    s.On("downstream_starttls",
         [&](auto& v, auto& k) { m.downstream_starttls = Scalar<bool>(v, k); });
    s.On("downstream_tls_ca", [&](auto& v, auto& k) {
      m.downstream_tls_ca = Scalar<std::string>(v, k).empty() ? "" : Path(v, k);
    });
    s.On("downstream_tls_name",
         [&](auto& v, auto& k) { m.downstream_tls_name = Scalar<std::string>(v, k); });
    s.On("strip_client_spam_headers",
         [&](auto& v, auto& k) { m.strip_client_spam_headers = Scalar<bool>(v, k); });
    s.On("io_threads", [&](auto& v, auto& k) {
      const size_t n = Size(v, k);
      if (n > 64) Fail(name_, v, k, "at most 64");
      m.io_threads = static_cast<uint32_t>(n);
    });
    s.Run();
  }

  std::string name_;
  std::string base_;
};

}  // namespace

Result<Config> ParseConfig(std::string_view yaml_text, const std::string& name) {
  std::string base_dir;
  if (!name.empty() && name[0] != '<') base_dir = fs::path(name).parent_path().string();
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    return Loader(name, base_dir).Load(root);
  } catch (const ConfigError& e) {
    return Status::Invalid(e.what());
  } catch (const YAML::Exception& e) {
    const int line = e.mark.line;
    return Status::Invalid(name + (line >= 0 ? ":" + std::to_string(line + 1) : "") + ": " + e.msg);
  }
}

Result<Config> LoadConfig(const std::string& path) {
  std::string chosen = path;
  if (chosen.empty()) {
    if (const char* env = std::getenv("SLUICE_CONFIG"); env && *env)
      chosen = env;
    else if (fs::exists("/etc/sluice/sluice.yaml"))
      chosen = "/etc/sluice/sluice.yaml";
    else
      return DefaultConfig();
  }
  // open/read, not an ifstream: that opens a directory and then reads nothing without an
  // error, and `--config /etc/sluice` loaded as an empty configuration (no rules, no token
  // store) that `serve --check` passed. O_NONBLOCK: opening a FIFO waits for a writer, and
  // every command (and a SIGHUP reload) hung on `--config` naming one; it is refused instead.
  auto cannot = [&chosen](const char* why) {
    return Status::Io(chosen + ": cannot read config file: " + why);
  };
  ScopedFd fd(::open(chosen.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  struct stat st {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) return cannot(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return cannot(std::strerror(EISDIR));
  if (!S_ISREG(st.st_mode)) return cannot("not a regular file (a FIFO, socket or device)");
  std::string text;
  if (!ReadFdBytes(fd.get(), &text)) return cannot(std::strerror(errno));
  return ParseConfig(text, chosen);
}

std::string_view DefaultConfigText() { return kDefaultConfigYaml; }

Config DefaultConfig() {
  Result<Config> config = ParseConfig(DefaultConfigText(), "<embedded default>");
  // The embedded default is tested at build time (config_test); failing here is a build bug.
  if (!config.ok()) std::abort();
  return std::move(config).value();
}

}  // namespace sluice
