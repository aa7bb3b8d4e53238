// mail_source.h - finds the messages behind command-line paths, for train and score.
//
// A path may be: a message file; an mbox file (starts with a "From addr weekday ..." line;
// split at such lines, which are dropped, ">From " unquoted); a Maildir (a directory with
// cur/ and new/: both read); any other directory (every non-hidden regular file below it,
// in name order); or "@LIST", a file naming one path per line (blank lines and # comments
// skipped). A single message file that starts with an mbox "From " line is a one-message
// mbox, which is what the public corpus files are.
//
// Failure: unreadable or missing paths are reported through on_error and skipped; the
// walk goes on. So are FIFOs, sockets and devices found inside a directory (a path named
// directly is read whatever it is, e.g. a pipe), and a directory reached a second time
// through a symbolic link (a loop back up the tree). Thread-safety: a plain function; call
// it from one thread.
//
// Memory: with MailWalkOptions, a message is read to at most max_message_bytes (a message
// file stops being read there; an mbox is read whole, but each of its messages is bounded),
// so `sluice score /dev/zero` or a multi-GB file takes bounded memory (up to about twice
// the bound while a pipe's buffer grows). A message over the bound is cut (on_note says
// so; the caller gets its first max_message_bytes) or skipped (on_error), as the options
// say. An mbox that is not a regular file (a pipe) is read to at most kMaxStreamMessages
// bounds, then cut with a note.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace sluice {

struct MailWalkCounts {
  size_t messages = 0;
  size_t errors = 0;
  size_t cut = 0;  // messages (or pipes) cut at the bound, reported through on_note
};

struct MailWalkOptions {
  // What the CLI reads of one message at most unless the config scans more: far above real
  // mail, far below what runs a machine out of memory.
  static constexpr size_t kDefaultMaxMessageBytes = size_t{64} << 20;
  static constexpr size_t kMaxStreamMessages = 16;
  size_t max_message_bytes = SIZE_MAX;  // SIZE_MAX: no bound (read every file whole)
  // Over the bound: true skips the message (on_error, counted as an error), false hands the
  // caller its first max_message_bytes and reports it through on_note.
  bool skip_oversized = false;
};

// name: the file path, or "path:N" for the N-th (1-based) message of an mbox with more
// than one. data stays valid only during the callback.
using MailFn = std::function<void(const std::string& name, std::string_view data)>;
using MailErrorFn = std::function<void(const std::string& name, const std::string& error)>;

using MailNoteFn = std::function<void(const std::string& name, const std::string& note)>;

// Every message behind `path`, read whole (no bound).
MailWalkCounts WalkMail(const std::string& path, const MailFn& on_message,
                        const MailErrorFn& on_error);
// The same, with each message bounded as `options` says; on_note gets what was cut.
MailWalkCounts WalkMail(const std::string& path, const MailWalkOptions& options,
                        const MailFn& on_message, const MailErrorFn& on_error,
                        const MailNoteFn& on_note);

// True if `line` (without its newline) is an mbox envelope line: "From SENDER DAY ...".
bool IsMboxFromLine(std::string_view line);

}  // namespace sluice
