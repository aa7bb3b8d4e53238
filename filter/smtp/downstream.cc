// downstream.cc - SMTP client toward the downstream MTA; see downstream.h.
#include "filter/smtp/downstream.h"

#include <cctype>

#include "filter/smtp/data_codec.h"

namespace sluice::smtp {

namespace {
constexpr size_t kMaxReplyLine = 4096;
constexpr size_t kMaxReplyLines = 100;

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}
}  // namespace

Downstream::Downstream(asio::any_io_executor executor, DownstreamOptions options)
    : executor_(std::move(executor)), options_(std::move(options)) {}

Downstream::~Downstream() { Close(); }

void Downstream::Close() {
  usable_ = false;
  data_begun_ = false;
  if (stream_) stream_->Close();
  stream_.reset();
}

Reply Downstream::Fail(std::string why) {
  Close();
  Reply reply;
  reply.code = 0;
  reply.lines.push_back(std::move(why));
  return reply;
}

asio::awaitable<Reply> Downstream::ReadReply() {
  Reply reply;
  std::string line;
  bool too_long = false;
  for (size_t n = 0; n < kMaxReplyLines; ++n) {
    if (!co_await stream_->ReadLine(&line, kMaxReplyLine, &too_long)) {
      co_return Fail(stream_->timed_out() ? "downstream timed out" : "downstream connection lost");
    }
    if (too_long || line.size() < 3 || line[0] < '2' || line[0] > '5' || !std::isdigit(line[1]) ||
        !std::isdigit(line[2]) || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
      co_return Fail("downstream sent a malformed reply");
    }
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (reply.code != 0 && code != reply.code) co_return Fail("downstream sent a malformed reply");
    reply.code = code;
    reply.lines.push_back(line.size() > 4 ? line.substr(4) : "");
    if (line.size() == 3 || line[3] == ' ') co_return reply;
  }
  co_return Fail("downstream reply too long");
}

asio::awaitable<Reply> Downstream::Ehlo() {
  std::string command = "EHLO " + options_.helo + "\r\n";
  stream_->SetTimeout(options_.timeout);
  if (!co_await stream_->Write(command)) co_return Fail("downstream connection lost");
  Reply reply = co_await ReadReply();
  if (reply.code == 0) co_return reply;
  features_ = DownstreamFeatures{};
  for (size_t i = 1; i < reply.lines.size(); ++i) {
    const std::string& kw = reply.lines[i];
    if (StartsWithNoCase(kw, "XFORWARD")) features_.xforward = true;
    if (StartsWithNoCase(kw, "SMTPUTF8")) features_.smtputf8 = true;
    if (StartsWithNoCase(kw, "8BITMIME")) features_.eightbit = true;
    if (StartsWithNoCase(kw, "SIZE")) features_.size = true;
    if (StartsWithNoCase(kw, "PIPELINING")) features_.pipelining = true;
    if (StartsWithNoCase(kw, "CHUNKING")) features_.chunking = true;
  }
  co_return reply;
}

asio::awaitable<Reply> Downstream::Open() {
  Close();
  asio::ip::tcp::resolver resolver(executor_);
  asio::error_code ec;
  // Numeric only: sluice never makes DNS queries for its downstream.
  auto endpoints = resolver.resolve(
      options_.host, options_.port,
      asio::ip::resolver_base::numeric_host | asio::ip::resolver_base::numeric_service, ec);
  if (ec) co_return Fail("bad downstream address " + options_.host + ":" + options_.port);
  stream_ = std::make_shared<SmtpStream>(asio::ip::tcp::socket(executor_));
  stream_->StartWatchdog();
  stream_->SetTimeout(options_.timeout);
  co_await asio::async_connect(stream_->socket(), endpoints,
                               asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    co_return Fail(stream_ && stream_->timed_out() ? "downstream connect timed out"
                                                   : "downstream refused the connection");
  }
  stream_->socket().set_option(asio::ip::tcp::no_delay(true), ec);
  Reply greeting = co_await ReadReply();
  if (greeting.code != 220) {
    if (greeting.code != 0) Close();
    co_return greeting.code == 0 ? greeting : Fail("downstream greeting: " + greeting.Render());
  }
  Reply ehlo = co_await Ehlo();
  if (ehlo.code != 250) co_return ehlo.code == 0 ? ehlo : Fail("downstream EHLO: " + ehlo.Render());
  if (options_.starttls && options_.tls_context != nullptr) {
    Reply tls = co_await Command(std::string_view("STARTTLS"));
    if (tls.code != 220) co_return Fail("downstream refused STARTTLS");
    stream_->SetTimeout(options_.timeout);
    if (!co_await stream_->HandshakeClient(*options_.tls_context, options_.host)) {
      co_return Fail("downstream TLS handshake failed");
    }
    ehlo = co_await Ehlo();
    if (ehlo.code != 250) co_return ehlo.code == 0 ? ehlo : Fail("downstream EHLO after TLS");
  }
  usable_ = true;
  co_return ehlo;
}

asio::awaitable<Reply> Downstream::Command(std::string_view line) {
  if (!stream_) co_return Fail("downstream not connected");
  std::string command(line);
  command += "\r\n";
  stream_->SetTimeout(options_.timeout);
  if (!co_await stream_->Write(command)) co_return Fail("downstream connection lost");
  Reply reply = co_await ReadReply();
  // 421: the downstream is closing the connection; it cannot be reused.
  if (reply.code == 421) Close();
  co_return reply;
}

asio::awaitable<void> Downstream::Pipeline(const std::string_view* lines, size_t count,
                                           Reply* replies) {
  size_t done = 0;
  if (!features_.pipelining) {
    for (; done < count; ++done) {
      replies[done] = co_await Command(lines[done]);
      if (replies[done].code == 0 || replies[done].code == 421) break;
    }
  } else if (!stream_) {
    replies[0] = Fail("downstream not connected");
  } else {
    std::string& commands = out_;
    commands.clear();
    for (size_t i = 0; i < count; ++i) {
      commands.append(lines[i]);
      commands += "\r\n";
    }
    stream_->SetTimeout(options_.timeout);
    bool sent = co_await stream_->Write(commands);
    if (!sent) {
      replies[0] = Fail("downstream connection lost");
    } else {
      for (; done < count; ++done) {
        replies[done] = co_await ReadReply();
        if (replies[done].code == 0) break;
        if (replies[done].code == 421) {
          Close();
          break;
        }
      }
    }
  }
  // What broke the batch answers for the rest of it.
  for (size_t i = done + 1; i < count; ++i) replies[i] = replies[done];
}

asio::awaitable<Reply> Downstream::Data(std::string_view prefix, std::string_view message) {
  if (features_.chunking && stream_) {
    // RFC 3030: the chunk follows its command in the same write; no dot-stuffing.
    bool add_crlf = !message.empty() && message.back() != '\n';
    size_t size = prefix.size() + message.size() + (add_crlf ? 2 : 0);
    out_.clear();
    out_ += "BDAT ";
    out_ += std::to_string(size);
    out_ += " LAST\r\n";
    out_.append(prefix);
    out_.append(message);
    if (add_crlf) out_ += "\r\n";
    stream_->SetTimeout(options_.timeout);
    if (!co_await stream_->Write(out_)) co_return Fail("downstream connection lost during BDAT");
    if (out_.capacity() > 1024 * 1024) std::string().swap(out_);
    Reply reply = co_await ReadReply();
    if (reply.code == 421) {
      Close();
    } else if (reply.code >= 400) {
      // The transaction failed; make sure the downstream has ended it too.
      Reply reset = co_await Command(std::string_view("RSET"));
      (void)reset;
    }
    co_return reply;
  }
  Reply go;
  if (data_begun_) {
    data_begun_ = false;
    stream_->SetTimeout(options_.timeout);
    go = co_await ReadReply();
    if (go.code == 421) Close();
  } else {
    go = co_await Command(std::string_view("DATA"));
  }
  if (go.code != 354) {
    // DATA itself refused: unlike a reply after the final ".", that leaves the downstream's
    // transaction open, and the next MAIL on this session (this client's next message, or
    // another client's once pooled) would get "503 nested MAIL". End it, as after BDAT.
    if (go.code >= 400 && usable_) {
      Reply reset = co_await Command(std::string_view("RSET"));
      (void)reset;
    }
    co_return go;
  }
  out_.clear();
  AppendDotStuffed(prefix, &out_);
  // AppendDotStuffed ends with ".\r\n"; the prefix is whole header lines, so drop that
  // marker and go on with the message.
  out_.resize(out_.size() - 3);
  AppendDotStuffed(message, &out_);
  stream_->SetTimeout(options_.timeout);
  if (!co_await stream_->Write(out_)) co_return Fail("downstream connection lost during DATA");
  if (out_.capacity() > 1024 * 1024) std::string().swap(out_);
  Reply reply = co_await ReadReply();
  if (reply.code == 421) Close();
  co_return reply;
}

asio::awaitable<bool> Downstream::BeginData() {
  if (!stream_ || !usable_ || features_.chunking) co_return false;
  stream_->SetTimeout(options_.timeout);
  // Named, not a temporary inside the co_await (GCC 12 miscompiles that shape here).
  constexpr std::string_view kData = "DATA\r\n";
  bool sent = co_await stream_->Write(kData);
  if (!sent) {
    Close();
    co_return false;
  }
  data_begun_ = true;
  // The 354 is read after the client's message, which may take longer than our downstream
  // timeout (smtp.data_timeout_s): no deadline until then.
  stream_->ClearTimeout();
  co_return true;
}

asio::awaitable<void> Downstream::Quit() {
  if (stream_ && usable_) {
    stream_->SetTimeout(std::chrono::seconds(5));
    bool sent = co_await stream_->Write(std::string_view("QUIT\r\n"));
    if (sent) {
      Reply bye = co_await ReadReply();
      (void)bye;
    }
  }
  Close();
}

}  // namespace sluice::smtp
