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
// directly is read whatever it is, e.g. a pipe). Thread-safety: a plain function; call it from one
// thread.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace sluice {

struct MailWalkCounts {
  size_t messages = 0;
  size_t errors = 0;
};

// name: the file path, or "path:N" for the N-th (1-based) message of an mbox with more
// than one. data stays valid only during the callback.
using MailFn = std::function<void(const std::string& name, std::string_view data)>;
using MailErrorFn = std::function<void(const std::string& name, const std::string& error)>;

MailWalkCounts WalkMail(const std::string& path, const MailFn& on_message,
                        const MailErrorFn& on_error);

// True if `line` (without its newline) is an mbox envelope line: "From SENDER DAY ...".
bool IsMboxFromLine(std::string_view line);

}  // namespace sluice
