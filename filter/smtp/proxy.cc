// proxy.cc - the SMTP proxy's listener: I/O threads, admission limits, reload and stop.
//
// One io_context per I/O thread; the acceptor hands connections out round-robin, so a
// session lives on one thread and needs no locks. Scoring runs on a separate small pool.
// Admission: max_connections in total and max_connections_per_ip per client address; over
// either, the client gets 421 and is closed. Allowed networks are checked per connection.
#include "filter/smtp/proxy.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "filter/smtp/connection.h"
#include "filter/util/network_list.h"

namespace sluice::smtp {
namespace {

// smtp.listen as host and port (config.cc already refused anything but IP:PORT).
Status ListenHostPort(const Config& config, std::string* host, std::string* port) {
  if (!SplitHostPort(config.smtp.listen, host, port)) {
    return Status::Invalid("smtp.listen: expected HOST:PORT, got '" + config.smtp.listen + "'");
  }
  return Status::Ok();
}

Result<std::shared_ptr<const ProxySettings>> BuildSettings(const Config& config) {
  auto settings = std::make_shared<ProxySettings>();
  settings->config = config;
  const SmtpConfig& smtp = config.smtp;
  auto allowed = NetworkList::Parse(smtp.allowed_networks);
  if (!allowed.ok()) return Status::Invalid("smtp.allowed_networks: " + allowed.status().message());
  auto trusted = NetworkList::Parse(smtp.xforward_hosts);
  if (!trusted.ok()) return Status::Invalid("smtp.xforward_hosts: " + trusted.status().message());
  settings->allowed = std::move(allowed).value();
  settings->trusted = std::move(trusted).value();
  if (!SplitHostPort(smtp.downstream, &settings->downstream_host, &settings->downstream_port)) {
    return Status::Invalid("smtp.downstream: expected HOST:PORT, got '" + smtp.downstream + "'");
  }
  settings->downstream_key = settings->downstream_host + "|" + settings->downstream_port + "|" +
                             (smtp.downstream_starttls ? "tls" : "plain") + "|" + smtp.hostname +
                             "|" + std::to_string(smtp.downstream_timeout_s);
  if (!smtp.tls_cert.empty() || !smtp.tls_key.empty()) {
    if (smtp.tls_cert.empty() || smtp.tls_key.empty()) {
      return Status::Invalid("smtp.tls_cert and smtp.tls_key must be set together");
    }
    auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    asio::error_code ec;
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1,
                     ec);
    tls->use_certificate_chain_file(smtp.tls_cert, ec);
    if (ec) return Status::Io("smtp.tls_cert: " + smtp.tls_cert + ": " + ec.message());
    tls->use_private_key_file(smtp.tls_key, asio::ssl::context::pem, ec);
    if (ec) return Status::Io("smtp.tls_key: " + smtp.tls_key + ": " + ec.message());
    settings->server_tls = std::move(tls);
  }
  if (smtp.downstream_starttls) {
    auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    if (smtp.downstream_tls_ca.empty()) {
      // No CA configured: the hop is protected against sniffing, not against an impostor.
      tls->set_verify_mode(asio::ssl::verify_none);
    } else {
      asio::error_code ec;
      tls->load_verify_file(smtp.downstream_tls_ca, ec);
      if (ec) {
        return Status::Io("smtp.downstream_tls_ca: " + smtp.downstream_tls_ca + ": " +
                          ec.message());
      }
      const std::string& name =
          smtp.downstream_tls_name.empty() ? settings->downstream_host : smtp.downstream_tls_name;
      tls->set_verify_mode(asio::ssl::verify_peer);
      tls->set_verify_callback(asio::ssl::host_name_verification(name));
    }
    settings->client_tls = std::move(tls);
  }
  return std::shared_ptr<const ProxySettings>(std::move(settings));
}

unsigned ThreadCount() {
  unsigned n = std::thread::hardware_concurrency();
  return std::clamp(n, 1u, 4u);
}

// smtp.io_threads, 0 meaning one per core (at most 4).
unsigned IoThreadCount(const SmtpConfig& smtp) {
  return smtp.io_threads == 0 ? ThreadCount() : smtp.io_threads;
}

class ProxyImpl final : public Proxy {
 public:
  ProxyImpl(EngineHolder* engines, ScoreLog* log) : scorers_(ThreadCount()) {
    context_.engines = engines;
    context_.log = log;
    context_.scorers = &scorers_;
  }
  ~ProxyImpl() override { Stop(); }

  Status Init(const Config& config);
  Status Reload(const Config& config) override;
  void Stop() override;

 private:
  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> Serve(asio::ip::tcp::socket socket, asio::ip::tcp::endpoint endpoint);

  std::vector<std::unique_ptr<asio::io_context>> ios_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  asio::thread_pool scorers_;
  ProxyContext context_;
  std::atomic<std::shared_ptr<const ProxySettings>> settings_;
  size_t next_io_ = 0;  // only the accept loop touches it

  std::mutex mu_;
  std::condition_variable idle_;
  std::unordered_map<std::string, uint32_t> per_ip_;
  uint32_t total_ = 0;
  bool stopping_ = false;
  std::once_flag stop_once_;
};

Status ProxyImpl::Init(const Config& config) {
  auto settings = BuildSettings(config);
  if (!settings.ok()) return settings.status();
  settings_.store(*settings);
  std::string host, port;
  if (Status st = ListenHostPort(config, &host, &port); !st.ok()) return st;
  unsigned threads = IoThreadCount(config.smtp);
  for (unsigned i = 0; i < threads; ++i) ios_.push_back(std::make_unique<asio::io_context>(1));
  asio::error_code ec;
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) return Status::Invalid("smtp.listen: bad address '" + host + "'");
  unsigned long port_number = std::strtoul(port.c_str(), nullptr, 10);
  if (port_number == 0 || port_number > 65535) {
    return Status::Invalid("smtp.listen: bad port '" + port + "'");
  }
  asio::ip::tcp::endpoint endpoint(address, static_cast<unsigned short>(port_number));
  acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(*ios_[0]);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  // Set once here: accepted sockets inherit TCP_NODELAY from the listener (Linux copies the
  // listener's TCP options into each new connection), which saves a setsockopt per session.
  if (!ec) acceptor_->set_option(asio::ip::tcp::no_delay(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Io("smtp.listen " + config.smtp.listen + ": " + ec.message());

  asio::co_spawn(*ios_[0], AcceptLoop(), asio::detached);
  for (auto& io : ios_) {
    guards_.push_back(asio::make_work_guard(*io));
    threads_.emplace_back([io = io.get()] { io->run(); });
  }
  return Status::Ok();
}

Status ProxyImpl::Reload(const Config& config) {
  auto settings = BuildSettings(config);
  if (!settings.ok()) return settings.status();
  std::shared_ptr<const ProxySettings> old = settings_.load();
  const SmtpConfig& running = old->config.smtp;
  if (config.smtp.listen != running.listen) {
    std::fprintf(stderr, "sluice smtp: smtp.listen changes need a restart\n");
  }
  if (IoThreadCount(config.smtp) != IoThreadCount(running)) {
    std::fprintf(stderr, "sluice smtp: smtp.io_threads changes need a restart\n");
  }
  settings_.store(*settings);
  return Status::Ok();
}

asio::awaitable<void> ProxyImpl::AcceptLoop() {
  asio::steady_timer backoff(*ios_[0]);
  for (;;) {
    asio::io_context& io = *ios_[next_io_++ % ios_.size()];
    asio::ip::tcp::socket socket(io);
    asio::ip::tcp::endpoint peer;  // filled by accept itself: no getpeername() later
    asio::error_code ec;
    co_await acceptor_->async_accept(socket, peer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_->is_open()) break;
      // Out of descriptors or similar: pause rather than spin.
      std::fprintf(stderr, "sluice smtp: accept: %s\n", ec.message().c_str());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    asio::co_spawn(io, Serve(std::move(socket), peer), asio::detached);
  }
}

asio::awaitable<void> ProxyImpl::Serve(asio::ip::tcp::socket socket,
                                       asio::ip::tcp::endpoint endpoint) {
  std::shared_ptr<const ProxySettings> settings = settings_.load();
  asio::error_code ec;
  std::string ip = endpoint.address().to_string();
  const char* refusal = nullptr;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      refusal = "421 4.3.2 Service shutting down\r\n";
    } else if (total_ >= settings->config.smtp.max_connections) {
      refusal = "421 4.7.0 Too many connections, try again later\r\n";
    } else if (per_ip_[ip] >= settings->config.smtp.max_connections_per_ip) {
      refusal = "421 4.7.0 Too many connections from your address, try again later\r\n";
    } else {
      ++total_;
      ++per_ip_[ip];
    }
    if (refusal != nullptr && per_ip_[ip] == 0) per_ip_.erase(ip);
  }
  if (refusal != nullptr) {
    // A short reply into a fresh socket's send buffer does not block.
    socket.non_blocking(true, ec);
    socket.write_some(asio::buffer(std::string_view(refusal)), ec);
    socket.close(ec);
    co_return;
  }
  try {
    co_await RunConnection(std::move(socket), endpoint, std::move(settings), &context_);
  } catch (const std::exception& e) {
    // Nothing inside is meant to throw; if something does (bad_alloc), this session
    // ends and the proxy goes on.
    std::fprintf(stderr, "sluice smtp: session ended on error: %s\n", e.what());
  }
  std::lock_guard lock(mu_);
  --total_;
  if (--per_ip_[ip] == 0) per_ip_.erase(ip);
  if (total_ == 0) idle_.notify_all();
}

void ProxyImpl::Stop() {
  std::call_once(stop_once_, [this] {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    context_.stopping.store(true, std::memory_order_relaxed);
    if (acceptor_ && !ios_.empty()) {
      asio::post(*ios_[0], [this] {
        asio::error_code ec;
        acceptor_->close(ec);
      });
    }
    // Idle clients get 421 now; only transactions in flight are waited for below.
    for (auto& io : ios_) asio::post(*io, [] { InterruptIdleSessions(); });
    {
      // Bounded wait: sessions in flight get a chance to finish their transaction.
      std::unique_lock lock(mu_);
      idle_.wait_for(lock, std::chrono::seconds(10), [this] { return total_ == 0; });
    }
    guards_.clear();
    for (auto& io : ios_) io->stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    scorers_.join();
    // Destroying the io_contexts destroys the unfinished sessions: their downstream
    // transactions end without the final "." and deliver nothing.
    acceptor_.reset();
    ios_.clear();
  });
}

}  // namespace

Status Proxy::Check(const Config& config) {
  auto settings = BuildSettings(config);
  if (!settings.ok()) return settings.status();
  std::string host, port;
  return ListenHostPort(config, &host, &port);
}

Result<std::unique_ptr<Proxy>> Proxy::Start(const Config& config, EngineHolder* engines,
                                            ScoreLog* log) {
  auto proxy = std::make_unique<ProxyImpl>(engines, log);
  Status status = proxy->Init(config);
  if (!status.ok()) return status;
  return std::unique_ptr<Proxy>(std::move(proxy));
}

}  // namespace sluice::smtp
