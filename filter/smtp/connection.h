// connection.h - one client connection of the SMTP proxy (internal to filter/smtp).
//
// RunConnection drives a ServerSession over an SmtpStream and relays each transaction
// through a Downstream: MAIL and RCPT are mirrored as they come, the message is read
// whole, scored, then sent downstream (or refused). While refusals are rare, DATA goes
// downstream when the client sends DATA (RefusalRate); a message refused after that ends
// with the downstream connection closed before the final ".". The client's reply
// after DATA is the downstream's own reply, so nothing is acknowledged that the downstream
// did not accept. Never throws; ends when the client quits, errs out, times out or the
// proxy stops.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include "filter/config/config.h"
#include "filter/engine/engine_holder.h"
#include "filter/log/score_log.h"
#include "filter/util/network_list.h"

namespace sluice::smtp {

// Everything a session needs from the configuration, built once per (re)load.
struct ProxySettings {
  Config config;
  NetworkList allowed;
  NetworkList trusted;
  std::shared_ptr<asio::ssl::context> server_tls;  // null: no STARTTLS offered
  std::shared_ptr<asio::ssl::context> client_tls;  // for downstream STARTTLS
  std::string downstream_host;
  std::string downstream_port;
  // Which idle downstream sessions a connection may reuse (DownstreamPool): sessions opened
  // with other downstream settings (before a reload) are not taken.
  std::string downstream_key;
};

// Shared by all connections of one proxy.
struct ProxyContext {
  EngineHolder* engines = nullptr;
  ScoreLog* log = nullptr;
  asio::thread_pool* scorers = nullptr;  // big messages score here, off the I/O threads
  std::atomic<uint64_t> messages_relayed{0};
  std::atomic<uint64_t> messages_refused{0};
  // Set when the proxy stops: a session outside a transaction then says 421 and closes
  // instead of waiting for its client's next command.
  std::atomic<bool> stopping{false};
};

// On the calling I/O thread: wakes its sessions that wait for a command outside a
// transaction, so that they see `stopping` and close with 421. Call it on every I/O thread
// (asio::post) after setting ProxyContext::stopping.
void InterruptIdleSessions();

// Serves one accepted client whose address is `peer`. `settings` is the snapshot taken at
// accept time.
asio::awaitable<void> RunConnection(asio::ip::tcp::socket socket, asio::ip::tcp::endpoint peer,
                                    std::shared_ptr<const ProxySettings> settings,
                                    ProxyContext* context);

}  // namespace sluice::smtp
