// fake_smtp.h - test fixtures for the SMTP proxy: a scripted downstream MTA, a scoring
// double and a blocking client, all on 127.0.0.1 with ephemeral ports.
//
// FakeDownstream is a real (small) SMTP server: thread per connection, records every
// message it accepted with its envelope, and can be told to refuse a recipient, to refuse
// connections, or to drop the connection when DATA ends. FakeEngine scores by keywords so
// a test decides the verdict through the message text.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "filter/config/config.h"
#include "filter/engine/engine.h"

namespace sluice::smtp::testing {

// A port that was free a moment ago (bind port 0, read it, close).
inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline int ConnectTo(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};  // a hung test fails instead of hanging
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Line-oriented blocking I/O over a socket.
class LineSocket {
 public:
  explicit LineSocket(int fd) : fd_(fd) {}
  ~LineSocket() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool ok() const { return fd_ >= 0; }
  bool Send(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += n;
    }
    return true;
  }
  // One line without CRLF; false on EOF/timeout.
  bool ReadLine(std::string* line) {
    for (;;) {
      size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        *line = buf_.substr(0, nl);
        if (!line->empty() && line->back() == '\r') line->pop_back();
        buf_.erase(0, nl + 1);
        return true;
      }
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buf_.append(tmp, n);
    }
  }
  // Exactly `n` raw bytes; false on EOF.
  bool ReadBytes(size_t n, std::string* out) {
    while (buf_.size() < n) {
      char tmp[4096];
      ssize_t got = ::recv(fd_, tmp, sizeof tmp, 0);
      if (got <= 0) return false;
      buf_.append(tmp, got);
    }
    *out = buf_.substr(0, n);
    buf_.erase(0, n);
    return true;
  }
  // A whole (multi-line) reply; returns its code, 0 on EOF. *text gets all lines.
  int ReadReply(std::string* text = nullptr) {
    std::string line, all;
    for (;;) {
      if (!ReadLine(&line)) return 0;
      all += line + "\n";
      if (line.size() < 4 || line[3] == ' ') break;
    }
    if (text) *text = all;
    return std::atoi(all.c_str());
  }
  int Command(const std::string& line, std::string* text = nullptr) {
    if (!Send(line + "\r\n")) return 0;
    return ReadReply(text);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
  std::string buf_;
};

struct DeliveredMessage {
  std::string mail_from;
  std::vector<std::string> rcpts;
  std::string data;  // as received on the wire, dot-stuffing removed, CRLF kept
  std::vector<std::string> xforward;
};

class FakeDownstream {
 public:
  FakeDownstream() : port_(FreePort()) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 64);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~FakeDownstream() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    acceptor_.join();
    // Joined outside the lock: a session thread may be about to Record() a late command
    // (e.g. an early DATA), and would wait for mu_ forever while we wait for it.
    std::vector<std::thread> sessions;
    {
      std::lock_guard lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
      sessions.swap(sessions_);
    }
    for (auto& t : sessions) t.join();
  }

  int port() const { return port_; }
  std::vector<DeliveredMessage> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  std::vector<std::string> commands() {
    std::lock_guard lock(mu_);
    return commands_;
  }
  std::string refuse_rcpt;  // this recipient gets 550 5.1.1
  std::string refuse_mail;  // this sender gets 553 5.7.1
  std::atomic<bool> advertise_pipelining{true};
  std::atomic<bool> advertise_chunking{false};  // BDAT; a chunk with REFUSEME gets 554
  std::atomic<bool> drop_at_dot{false};         // close instead of answering the final "."
  std::atomic<bool> advertise_xforward{true};
  std::atomic<bool> advertise_smtputf8{true};
  std::atomic<bool> close_after_message{false};  // hang up after each accepted message
  // The next this many DATA commands get 451 (as Postfix's smtpd_data_restrictions or a
  // queue-file error do); the transaction stays open, as in a real server.
  std::atomic<int> refuse_data{0};
  std::atomic<int> connections{0};

 private:
  void AcceptLoop() {
    while (!stopping_) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) break;
      std::lock_guard lock(mu_);
      open_fds_.push_back(fd);
      sessions_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Record(const std::string& command) {
    std::lock_guard lock(mu_);
    commands_.push_back(command);
  }

  // Keeps the message and answers 250 with a queue id.
  void Deliver(LineSocket* s, DeliveredMessage* current, std::string data,
               std::vector<std::string>* xforward) {
    current->data = std::move(data);
    current->xforward = std::move(*xforward);
    xforward->clear();
    std::lock_guard lock(mu_);
    messages_.push_back(*current);
    s->Send("250 2.0.0 Ok: queued as Q" + std::to_string(messages_.size()) + "\r\n");
  }

  void Serve(int fd) {
    // One write per reply, even to pipelined commands: without TCP_NODELAY, Nagle would hold
    // each next reply until the proxy's delayed ACK (tens of ms). Real MTAs send the replies
    // to a pipelined group in one write instead.
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    LineSocket s(fd);
    connections.fetch_add(1);
    s.Send("220 fake.downstream ESMTP\r\n");
    DeliveredMessage current;
    bool in_mail = false;  // a MAIL was accepted (a real server refuses RCPT before it)
    std::vector<std::string> xforward;
    std::string line;
    while (s.ReadLine(&line)) {
      Record(line);
      std::string verb = line.substr(0, 4);
      for (char& c : verb) c = std::toupper(c);
      if (verb == "EHLO") {
        std::string r = "250-fake.downstream\r\n";
        if (advertise_pipelining) r += "250-PIPELINING\r\n";
        r += "250-8BITMIME\r\n250-SIZE 100000000\r\n";
        if (advertise_chunking) r += "250-CHUNKING\r\n";
        if (advertise_xforward) r += "250-XFORWARD NAME ADDR PROTO HELO\r\n";
        if (advertise_smtputf8) r += "250-SMTPUTF8\r\n";
        s.Send(r + "250 ENHANCEDSTATUSCODES\r\n");
      } else if (verb == "XFOR") {
        xforward.push_back(line);
        s.Send("250 2.0.0 Ok\r\n");
      } else if (verb == "MAIL" && in_mail) {
        s.Send("503 5.5.1 Error: nested MAIL command\r\n");  // Postfix's words
      } else if (verb == "MAIL") {
        current = DeliveredMessage{};
        size_t lt = line.find('<'), gt = line.find('>');
        current.mail_from = line.substr(lt + 1, gt - lt - 1);
        if (!refuse_mail.empty() && current.mail_from == refuse_mail) {
          in_mail = false;
          s.Send("553 5.7.1 <" + current.mail_from + ">: Sender address rejected\r\n");
        } else {
          in_mail = true;
          s.Send("250 2.1.0 Ok\r\n");
        }
      } else if (verb == "RCPT" && !in_mail) {
        s.Send("503 5.5.1 Error: need MAIL command\r\n");
      } else if (verb == "RCPT") {
        size_t lt = line.find('<'), gt = line.find('>');
        std::string rcpt = line.substr(lt + 1, gt - lt - 1);
        if (!refuse_rcpt.empty() && rcpt == refuse_rcpt) {
          s.Send("550 5.1.1 <" + rcpt + ">: Recipient address rejected: no such user\r\n");
        } else {
          current.rcpts.push_back(rcpt);
          s.Send("250 2.1.5 Ok\r\n");
        }
      } else if (verb == "DATA" && refuse_data.load() > 0) {
        refuse_data.fetch_sub(1);
        s.Send("451 4.3.0 Error: queue file write error\r\n");
      } else if (verb == "DATA") {
        s.Send("354 go ahead\r\n");
        std::string data;
        bool complete = false;
        while (s.ReadLine(&line)) {
          if (line == ".") {
            complete = true;
            break;
          }
          if (!line.empty() && line[0] == '.') line.erase(0, 1);
          data += line + "\r\n";
        }
        if (!complete || drop_at_dot) break;
        in_mail = false;
        Deliver(&s, &current, std::move(data), &xforward);
        if (close_after_message) break;
      } else if (verb == "BDAT" && advertise_chunking) {
        // Only "BDAT <n> LAST" (all the proxy sends): the message in one chunk.
        size_t n = std::stoul(line.substr(5));
        std::string data;
        if (!s.ReadBytes(n, &data) || drop_at_dot) break;
        if (!in_mail || current.rcpts.empty()) {
          s.Send("503 5.5.1 Error: need RCPT command\r\n");
        } else if (data.find("REFUSEME") != std::string::npos) {
          s.Send("554 5.7.1 Refused by the fake\r\n");
        } else {
          in_mail = false;
          Deliver(&s, &current, std::move(data), &xforward);
        }
      } else if (verb == "RSET") {
        current = DeliveredMessage{};
        in_mail = false;
        xforward.clear();
        s.Send("250 2.0.0 Ok\r\n");
      } else if (verb == "QUIT") {
        s.Send("221 2.0.0 Bye\r\n");
        break;
      } else {
        s.Send("502 5.5.2 unknown\r\n");
      }
    }
  }

  int port_;
  int listen_fd_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> sessions_;
  std::vector<int> open_fds_;
  std::vector<DeliveredMessage> messages_;
  std::vector<std::string> commands_;
};

// Scores by keywords: "SPAMSPAM" -> 20 (reject), "TEMPFAILME" -> tempfail, "TAGME" -> 7
// (add_header), else 1. Counts calls.
class FakeEngine : public Engine {
 public:
  explicit FakeEngine(Config config) : config_(std::move(config)) {}
  Result<std::shared_ptr<const Engine>> Reload(const Config& config) const override {
    return std::shared_ptr<const Engine>(std::make_shared<FakeEngine>(config));
  }
  ScoreResult Score(std::string_view raw) const override {
    return Score(raw, config_.scoring.thresholds);
  }
  ScoreResult Score(std::string_view raw, const Thresholds& thresholds) const override {
    return Score(raw, thresholds, ScoreOptions{});
  }
  ScoreResult Score(std::string_view raw, const Thresholds& thresholds,
                    const ScoreOptions&) const override {
    calls.fetch_add(1);
    ScoreResult r;
    r.facts.size = raw.size();
    double score = 1;
    if (raw.find("SPAMSPAM") != std::string_view::npos) score = 20;
    if (raw.find("TAGME") != std::string_view::npos) score = 7;
    r.verdict.score = score;
    r.verdict.hits.push_back({"FAKE_RULE", score, "body", "", 1});
    r.verdict.action = thresholds.ActionFor(score);
    if (raw.find("TEMPFAILME") != std::string_view::npos) r.verdict.action = Action::kTempfail;
    return r;
  }
  const Config& config() const override { return config_; }
  mutable std::atomic<int> calls{0};

 private:
  Config config_;
};

}  // namespace sluice::smtp::testing
