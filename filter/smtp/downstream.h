// downstream.h - the relay side: one SMTP client session to the downstream MTA.
//
// Opened lazily at the client's first MAIL and reused for the client's later transactions.
// Every call returns the downstream's reply; a broken connection, a timeout or a garbled
// reply comes back as a Reply with code 0 (and the session is then unusable), which the
// caller turns into a 4xx for its client. Thread-safety: none (one client session's
// coroutine owns it).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include "filter/smtp/session.h"
#include "filter/smtp/smtp_stream.h"

namespace sluice::smtp {

struct DownstreamOptions {
  std::string host = "127.0.0.1";
  std::string port = "10026";
  std::string helo = "localhost";
  bool starttls = false;
  asio::ssl::context* tls_context = nullptr;  // required when starttls
  std::chrono::seconds timeout{120};
};

// What the downstream's EHLO reply offered.
struct DownstreamFeatures {
  bool xforward = false;
  bool smtputf8 = false;
  bool eightbit = false;
  bool size = false;
  bool pipelining = false;
  bool chunking = false;  // BDAT (RFC 3030)
};

class Downstream {
 public:
  Downstream(asio::any_io_executor executor, DownstreamOptions options);
  ~Downstream();

  // Connects, reads the greeting, says EHLO (STARTTLS and EHLO again when configured).
  asio::awaitable<Reply> Open();
  // Sends one command line (no CRLF) and reads the reply.
  asio::awaitable<Reply> Command(std::string_view line);
  // `count` command lines (no CRLF) in one write when the downstream offers PIPELINING
  // (RFC 2920), else one after the other; their replies in replies[0..count). When the
  // connection breaks (code 0) or closes (421), the replies still owed are copies of that
  // one. The lines must not include DATA or anything else that changes the state.
  asio::awaitable<void> Pipeline(const std::string_view* lines, size_t count, Reply* replies);
  // Sends `prefix` + `message` (CRLF line ends) and returns the final reply: one
  // "BDAT <size> LAST" write with the bytes as they are when the downstream offers CHUNKING
  // (one round trip; a refused chunk is followed by RSET so the session stays usable),
  // else DATA, 354, the bytes dot-stuffed and the end marker (a refused DATA is followed by
  // RSET too).
  asio::awaitable<Reply> Data(std::string_view prefix, std::string_view message);
  // Sends DATA now without waiting for the reply, so that the downstream's 354 travels
  // while the client is still sending the message; Data() then reads the 354 instead of
  // asking. Only for a downstream without CHUNKING. Once begun, the transaction ends only
  // with Data() or Close() (after 354 everything is message text: RSET cannot abort it,
  // and a connection closed before the final "." delivers nothing). False when the write
  // failed (the session is then unusable).
  asio::awaitable<bool> BeginData();
  bool data_begun() const { return data_begun_; }
  // QUIT without waiting long; closes the connection.
  asio::awaitable<void> Quit();
  void Close();

  bool usable() const { return usable_; }
  const DownstreamFeatures& features() const { return features_; }

 private:
  asio::awaitable<Reply> ReadReply();
  asio::awaitable<Reply> Ehlo();
  Reply Fail(std::string why);

  asio::any_io_executor executor_;
  DownstreamOptions options_;
  std::shared_ptr<SmtpStream> stream_;
  DownstreamFeatures features_;
  bool usable_ = false;
  bool data_begun_ = false;  // DATA sent, its reply not read yet
  std::string out_;          // reused write buffer for DATA
};

}  // namespace sluice::smtp
