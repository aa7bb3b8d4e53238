// smtp_stream.cc - the connection byte stream with STARTTLS and deadlines; see smtp_stream.h.
#include "filter/smtp/smtp_stream.h"

#include <cstring>

#include "filter/smtp/buffer_pool.h"

namespace sluice::smtp {

namespace {
constexpr size_t kReadChunk = 16 * 1024;
// Read buffers kept per thread for the next connection: it then reads into the capacity
// of an earlier one instead of allocating and zero-filling 16 KiB. Bounded in count and in
// size, so a burst of connections or one huge line does not pin memory.
BufferPool& ReadBuffers() {
  thread_local BufferPool pool(64, 4 * kReadChunk);
  return pool;
}
}  // namespace

SmtpStream::SmtpStream(asio::ip::tcp::socket socket)
    : socket_(std::move(socket)), timer_(socket_.get_executor()), buffer_(ReadBuffers().Take()) {}

SmtpStream::~SmtpStream() {
  tls_.reset();
  asio::error_code ec;
  socket_.close(ec);
  ReadBuffers().GiveBack(std::move(buffer_));
}

void SmtpStream::StartWatchdog() {
  asio::co_spawn(
      socket_.get_executor(), [self = shared_from_this()]() { return self->Watchdog(); },
      asio::detached);
}

void SmtpStream::SetTimeout(std::chrono::steady_clock::duration timeout) {
  if (timed_out_) return;  // the goodbye grace, if any, is the last deadline
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool earlier = deadline < deadline_;
  deadline_ = deadline;
  // The watchdog sleeps until the old deadline; wake it only if the new one is sooner.
  if (earlier) timer_.cancel();
}

asio::awaitable<void> SmtpStream::Watchdog() {
  while (!closed_) {
    timer_.expires_at(deadline_);
    asio::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (closed_) break;
    auto now = std::chrono::steady_clock::now();
    if (deadline_ <= now) {
      asio::error_code ignored;
      if (!timed_out_ && grace_.count() > 0) {
        // Fail the pending read, keep the socket for the owner's last reply.
        timed_out_ = true;
        deadline_ = now + grace_;
        socket_.cancel(ignored);
        continue;
      }
      timed_out_ = true;
      socket_.close(ignored);
      break;
    }
  }
}

void SmtpStream::Close() {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  // close() alone sends the FIN (the socket is ours only): no shutdown() call first.
  asio::error_code ec;
  socket_.close(ec);
}

void SmtpStream::Interrupt() {
  interrupted_ = true;
  asio::error_code ignored;
  socket_.cancel(ignored);
}

void SmtpStream::MakeRoom() {
  if (start_ == end_) {
    start_ = end_ = 0;
  } else if (buffer_.size() - end_ < kReadChunk && start_ > 0) {
    // What is left unread is at most a partial line or a partial chunk: a short move.
    std::memmove(buffer_.data(), buffer_.data() + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
  }
  if (buffer_.size() - end_ < kReadChunk) buffer_.resize(end_ + kReadChunk);
}

asio::awaitable<bool> SmtpStream::Fill() {
  if (closed_ || timed_out_ || interrupted_) co_return false;
  MakeRoom();
  asio::error_code ec;
  size_t n = 0;
  auto buf = asio::buffer(buffer_.data() + end_, buffer_.size() - end_);
  if (tls_) {
    n = co_await tls_->async_read_some(buf, asio::redirect_error(asio::use_awaitable, ec));
  } else {
    n = co_await socket_.async_read_some(buf, asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!ec) end_ += n;
  co_return !ec && n > 0;
}

bool SmtpStream::HasBufferedLine() const { return buffered().find('\n') != std::string_view::npos; }

asio::awaitable<bool> SmtpStream::ReadLine(std::string* line, size_t max, bool* too_long) {
  *too_long = false;
  size_t scanned = 0;
  for (;;) {
    std::string_view data = buffered();
    size_t nl = data.find('\n', scanned);
    if (nl != std::string_view::npos) {
      if (!*too_long) {
        std::string_view text = data.substr(0, nl);
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        if (text.size() > max) {
          *too_long = true;
        } else {
          line->assign(text);
        }
      }
      Consume(nl + 1);
      co_return true;
    }
    if (data.size() > max + 2) {
      // Keep nothing of an over-long line; go on discarding up to its end.
      *too_long = true;
      Consume(data.size());
      scanned = 0;
    } else {
      scanned = data.size();
    }
    if (!co_await Fill()) co_return false;
  }
}

asio::awaitable<bool> SmtpStream::Write(std::string_view data) {
  if (closed_) co_return false;
  asio::error_code ec;
  if (tls_) {
    co_await asio::async_write(*tls_, asio::buffer(data),
                               asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await asio::async_write(socket_, asio::buffer(data),
                               asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return !ec;
}

asio::awaitable<bool> SmtpStream::HandshakeServer(asio::ssl::context& context) {
  tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, context);
  asio::error_code ec;
  co_await tls_->async_handshake(asio::ssl::stream_base::server,
                                 asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

asio::awaitable<bool> SmtpStream::HandshakeClient(asio::ssl::context& context,
                                                  const std::string& sni) {
  tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, context);
  if (!sni.empty()) SSL_set_tlsext_host_name(tls_->native_handle(), sni.c_str());
  asio::error_code ec;
  co_await tls_->async_handshake(asio::ssl::stream_base::client,
                                 asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

std::string AddressText(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

}  // namespace sluice::smtp
