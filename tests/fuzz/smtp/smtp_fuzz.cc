// smtp_fuzz.cc - drives the SMTP server state machine with arbitrary client bytes.
//
// The input is split into lines as the proxy's reader would (LF, optional CR, lines over
// 2048 bytes reported as too long). Each kMail/kRcpt/kData/kStartTls decision is answered
// "accepted" or "refused" by the low bit of the line's first byte, so both paths are
// explored. A DATA decision switches to the DATA codec with the rest of the input, and the
// decoded message must survive a dot-stuff/decode round trip. Invariants checked with
// __builtin_trap: every line gets exactly one reply with a code in 200..555; recipients
// never exceed the limit; no transaction without MAIL.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "filter/smtp/command.h"
#include "filter/smtp/data_codec.h"
#include "filter/smtp/session.h"

using namespace sluice::smtp;

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// A decoded message is canonical (CRLF line ends, unstuffed): stuffing it and decoding
// again must give it back unchanged.
void RoundTrip(const std::string& message) {
  std::string wire;
  AppendDotStuffed(message, &wire);
  DataDecoder again(1 << 24);
  Check(again.Feed(wire) == wire.size());
  Check(again.done());
  Check(again.message() == message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  SessionSettings settings;
  settings.max_recipients = 3;
  settings.max_message_bytes = 4096;
  settings.tls_available = size > 0 && (data[0] & 1);
  settings.trusted = size > 0 && (data[0] & 2);
  ServerSession session(settings, ClientFacts{"127.0.0.1", "", "1", "", "", false});
  Check(session.Greeting().code == 220);

  size_t pos = 0;
  while (pos < input.size()) {
    size_t nl = input.find('\n', pos);
    std::string_view line = input.substr(pos, nl == std::string_view::npos ? input.npos : nl - pos);
    pos = nl == std::string_view::npos ? input.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    Decision d = line.size() > 2048 ? session.OnLineTooLong() : session.OnCommand(line);
    bool accept = line.empty() || (static_cast<unsigned char>(line[0]) & 1);
    bool chunk_taken = d.action == Action::kBdat && !d.discard_chunk;
    if (d.action != Action::kMail && d.action != Action::kRcpt && !chunk_taken) {
      Check(d.reply.code >= 200 && d.reply.code <= 555);
      Check(!d.reply.Render().empty());
    }
    switch (d.action) {
      case Action::kMail:
        Check(!session.in_transaction());
        session.MailDone(accept);
        break;
      case Action::kRcpt:
        Check(session.in_transaction());
        session.RcptDone(accept);
        Check(session.transaction().rcpts.size() <= settings.max_recipients);
        break;
      case Action::kData: {
        Check(!session.transaction().rcpts.empty());
        DataDecoder decoder(settings.max_message_bytes);
        pos += decoder.Feed(input.substr(pos));
        if (decoder.done() && !decoder.overflow()) RoundTrip(decoder.message());
        session.DataDone();
        break;
      }
      case Action::kBdat: {
        // The chunk's bytes follow whatever the reply; a taken one belongs to a transaction.
        size_t n = std::min(d.chunk_size, input.size() - pos);
        pos += n;
        if (chunk_taken) {
          Check(!session.transaction().rcpts.empty());
          if (d.last_chunk) session.DataDone();
        }
        break;
      }
      case Action::kStartTls:
        if (accept) session.TlsStarted();
        break;
      case Action::kReplyAndClose:
        return 0;
      default:
        break;
    }
  }
  // The parsers alone, on the whole input as one line.
  ParseCommand(input);
  auto path = ParsePath(input, "FROM", true);
  if (path.ok()) Check(path->address.size() <= 256);
  ParseAttributes(input);
  return 0;
}
