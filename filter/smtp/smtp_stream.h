// smtp_stream.h - one SMTP connection's byte stream (internal to filter/smtp).
//
// A TCP socket that can switch to TLS mid-stream (STARTTLS), with an input buffer that
// hands out lines (bounded length) or raw bytes, and a deadline: when the current
// deadline passes, a watchdog closes the socket so the pending read or write fails. With
// a goodbye grace set, the watchdog first only cancels the pending operations, so that
// the owner can still write a last reply (RFC 5321 §4.5.3.2: 421 on timeout); the socket
// is closed when the grace runs out too.
// Every operation reports failure by returning false (EOF, error, timeout): no exceptions
// leave it. Thread-safety: none; all calls come from the connection's one coroutine on
// its io_context thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <asio.hpp>
#include <asio/ssl.hpp>

namespace sluice::smtp {

class SmtpStream : public std::enable_shared_from_this<SmtpStream> {
 public:
  explicit SmtpStream(asio::ip::tcp::socket socket);
  ~SmtpStream();

  // Starts the deadline watchdog; call once, right after construction.
  void StartWatchdog();
  // The next operations must finish within `timeout` from now. No effect once timed out.
  void SetTimeout(std::chrono::steady_clock::duration timeout);
  // No deadline until the next SetTimeout (nothing is pending that could hang).
  void ClearTimeout() {
    if (!timed_out_) deadline_ = std::chrono::steady_clock::time_point::max();
  }
  // On timeout, cancel and leave `grace` for a last write instead of closing at once.
  void SetGoodbyeGrace(std::chrono::steady_clock::duration grace) { grace_ = grace; }

  // Reads one line (without CR LF). A line longer than `max` is discarded up to its end
  // and reported with *too_long. Returns false on EOF, error or timeout.
  asio::awaitable<bool> ReadLine(std::string* line, size_t max, bool* too_long);
  // True when a whole line is already buffered (no read needed to answer it).
  bool HasBufferedLine() const;
  // Reads more bytes into the buffer; false on EOF, error or timeout.
  asio::awaitable<bool> Fill();
  std::string_view buffered() const {
    return std::string_view(buffer_.data() + start_, end_ - start_);
  }
  void Consume(size_t n) { start_ += n; }
  // Drops buffered input (RFC 3207: nothing pipelined before the TLS handshake counts).
  void DiscardBuffered() { start_ = end_ = 0; }

  asio::awaitable<bool> Write(std::string_view data);
  asio::awaitable<bool> HandshakeServer(asio::ssl::context& context);
  asio::awaitable<bool> HandshakeClient(asio::ssl::context& context, const std::string& sni);

  void Close();
  // Fails the pending read (and every later one), as a timeout would, but keeps the socket
  // open for a last reply: the proxy is stopping.
  void Interrupt();
  bool timed_out() const { return timed_out_; }
  bool tls() const { return tls_ != nullptr; }
  asio::ip::tcp::socket& socket() { return socket_; }

 private:
  asio::awaitable<void> Watchdog();
  // Makes room for one read after end_: moves the unread bytes to the front, grows only
  // when that is not enough (so reads do not zero-fill the buffer each time).
  void MakeRoom();

  asio::ip::tcp::socket socket_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::duration grace_{0};
  std::string buffer_;  // bytes [start_, end_) are unread; its size is the capacity in use
  size_t start_ = 0;
  size_t end_ = 0;
  bool closed_ = false;
  bool timed_out_ = false;
  bool interrupted_ = false;
};

// An address as the score log and XFORWARD show it: IPv4-mapped IPv6 as plain IPv4.
std::string AddressText(const asio::ip::address& address);

}  // namespace sluice::smtp
