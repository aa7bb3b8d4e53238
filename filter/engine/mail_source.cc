// mail_source.cc - files, directories, Maildirs, mbox files and list files.
#include "filter/engine/mail_source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace sluice {
namespace {

namespace fs = std::filesystem;

bool ReadFile(const std::string& path, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open: " + std::string(std::strerror(errno));
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    *error = "read error";
    return false;
  }
  *out = std::move(buffer).str();
  return true;
}

// Splits an mbox into messages; the envelope lines are dropped, ">From " unquoted once.
void SplitMbox(const std::string& path, const std::string& data, const MailFn& on_message,
               MailWalkCounts* counts) {
  std::vector<std::pair<size_t, size_t>> ranges;  // [begin, end) of each message
  size_t pos = 0;
  size_t begin = std::string::npos;
  while (pos < data.size()) {
    size_t eol = data.find('\n', pos);
    if (eol == std::string::npos) eol = data.size();
    const std::string_view line(data.data() + pos, eol - pos);
    const bool separator =
        IsMboxFromLine(line) && (pos == 0 || (pos >= 2 && data[pos - 2] == '\n') ||
                                 (pos >= 3 && data[pos - 2] == '\r' && data[pos - 3] == '\n'));
    if (separator) {
      if (begin != std::string::npos) ranges.emplace_back(begin, pos);
      begin = std::min(eol + 1, data.size());
    }
    pos = eol + 1;
  }
  if (begin != std::string::npos) ranges.emplace_back(begin, data.size());
  std::string message;
  for (size_t i = 0; i < ranges.size(); ++i) {
    std::string_view body(data.data() + ranges[i].first, ranges[i].second - ranges[i].first);
    const std::string name = ranges.size() == 1 ? path : path + ":" + std::to_string(i + 1);
    if (body.find("\n>From ") == std::string_view::npos) {
      ++counts->messages;
      on_message(name, body);
      continue;
    }
    message.clear();
    size_t p = 0;
    while (p < body.size()) {
      size_t eol = body.find('\n', p);
      eol = eol == std::string_view::npos ? body.size() : eol + 1;
      std::string_view line = body.substr(p, eol - p);
      size_t quotes = 0;
      while (quotes < line.size() && line[quotes] == '>') ++quotes;
      if (quotes > 0 && line.substr(quotes).starts_with("From ")) line.remove_prefix(1);
      message.append(line);
      p = eol;
    }
    ++counts->messages;
    on_message(name, message);
  }
}

void WalkFile(const std::string& path, const MailFn& on_message, const MailErrorFn& on_error,
              MailWalkCounts* counts) {
  std::string data, error;
  if (!ReadFile(path, &data, &error)) {
    ++counts->errors;
    on_error(path, error);
    return;
  }
  const size_t eol = data.find('\n');
  if (IsMboxFromLine(std::string_view(data).substr(0, eol))) {
    SplitMbox(path, data, on_message, counts);
    return;
  }
  ++counts->messages;
  on_message(path, data);
}

void WalkPath(const std::string& path, const MailFn& on_message, const MailErrorFn& on_error,
              MailWalkCounts* counts, int depth);

void WalkDirectory(const fs::path& dir, const MailFn& on_message, const MailErrorFn& on_error,
                   MailWalkCounts* counts, int depth) {
  std::error_code ec;
  const bool maildir = fs::is_directory(dir / "cur", ec) && fs::is_directory(dir / "new", ec);
  std::vector<std::string> entries;
  auto collect = [&](const fs::path& d) {
    std::error_code iter_ec;
    for (const auto& entry : fs::directory_iterator(d, iter_ec)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name[0] == '.') continue;
      if (maildir && entry.is_directory(iter_ec)) continue;  // only cur/ and new/
      entries.push_back(entry.path().string());
    }
    if (iter_ec) {
      ++counts->errors;
      on_error(d.string(), "cannot list: " + iter_ec.message());
    }
  };
  if (maildir) {
    collect(dir / "cur");
    collect(dir / "new");
  } else {
    collect(dir);
  }
  std::sort(entries.begin(), entries.end());
  for (const std::string& entry : entries) WalkPath(entry, on_message, on_error, counts, depth + 1);
}

void WalkPath(const std::string& path, const MailFn& on_message, const MailErrorFn& on_error,
              MailWalkCounts* counts, int depth) {
  if (depth > 32) {
    ++counts->errors;
    on_error(path, "directories nested too deep");
    return;
  }
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    ++counts->errors;
    on_error(path, "no such file or directory");
    return;
  }
  if (fs::is_directory(status)) {
    WalkDirectory(path, on_message, on_error, counts, depth);
  } else {
    WalkFile(path, on_message, on_error, counts);
  }
}

}  // namespace

bool IsMboxFromLine(std::string_view line) {
  if (!line.starts_with("From ")) return false;
  line.remove_prefix(5);
  const size_t space = line.find(' ');
  if (space == 0 || space == std::string_view::npos) return false;
  line.remove_prefix(space);
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  static constexpr std::string_view kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  for (std::string_view day : kDays) {
    if (line.starts_with(day)) return true;
  }
  return false;
}

MailWalkCounts WalkMail(const std::string& path, const MailFn& on_message,
                        const MailErrorFn& on_error) {
  MailWalkCounts counts;
  if (path.starts_with("@")) {
    const std::string list = path.substr(1);
    std::ifstream in(list);
    if (!in) {
      ++counts.errors;
      on_error(list, "cannot open list file");
      return counts;
    }
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      WalkPath(line, on_message, on_error, &counts, 0);
    }
    return counts;
  }
  WalkPath(path, on_message, on_error, &counts, 0);
  return counts;
}

}  // namespace sluice
