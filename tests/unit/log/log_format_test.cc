// log_format_test.cc - the score-log line written by hand must be byte for byte the line
// nlohmann::ordered_json wrote before (ReferenceLine below is that earlier formatter), over
// ordinary records and over the awkward ones: control characters, quotes, 8-bit and invalid
// UTF-8, optional keys, every score a message can get.
#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>

#include "filter/log/score_log.h"
#include "sample_record.h"

namespace sluice {
namespace {

using json = nlohmann::ordered_json;

std::string ReferenceTime(std::chrono::system_clock::time_point tp) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

double Round3(double v) {
  return static_cast<double>(static_cast<long long>(v * 1000.0 + (v < 0 ? -0.5 : 0.5))) / 1000.0;
}

// The formatter as it was up to e415195 (a JSON tree, then dump()).
std::string ReferenceLine(const LogRecord& r) {
  const Verdict& v = r.verdict;
  json j;
  j["time"] = ReferenceTime(r.time);
  j["source"] = r.source;
  j["queue_id"] = r.envelope.queue_id;
  j["message_id"] = r.facts.message_id;
  j["client_ip"] = r.envelope.client_ip;
  j["client_name"] = r.envelope.client_name;
  j["helo"] = r.envelope.helo;
  j["from"] = r.envelope.mail_from;
  j["rcpts"] = r.envelope.rcpts;
  if (!r.envelope.auth_user.empty()) j["auth"] = r.envelope.auth_user;
  j["header_from"] = r.facts.from;
  j["subject"] = r.facts.subject;
  j["size"] = r.facts.size;
  j["score"] = Round3(v.score);
  j["action"] = std::string(ActionName(v.action));
  if (!r.reason.empty()) j["reason"] = r.reason;  // added after e415195
  if (v.error) j["error"] = true;
  json hits = json::array();
  for (const auto& hit : v.hits) {
    json h;
    h["id"] = hit.id;
    h["score"] = Round3(hit.score);
    if (!hit.target.empty()) h["target"] = hit.target;
    if (hit.count != 1) h["count"] = hit.count;
    hits.push_back(std::move(h));
  }
  j["hits"] = std::move(hits);
  json bayes;
  bayes["available"] = v.bayes.available;
  if (v.bayes.available) {
    bayes["probability"] = Round3(v.bayes.probability);
    bayes["score"] = Round3(v.bayes.score);
  } else {
    bayes["status"] = v.bayes.status;
  }
  j["bayes"] = std::move(bayes);
  j["us"] = {{"mime", v.times.mime_us},
             {"rules", v.times.rules_us},
             {"bayes", v.times.bayes_us},
             {"total", v.times.total_us}};
  if (!v.notes.empty()) j["notes"] = v.notes;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Sample() with a header From, a hit without target and a negative one.
LogRecord Typical() {
  LogRecord r = Sample();
  r.source = "smtp";
  r.facts.from = "Alice <alice@example.org>";
  r.verdict.hits[1].target.clear();
  r.verdict.hits.push_back({"NEG", -2.0004, "header:X-Mailer", "", 1});
  return r;
}

TEST(LogFormat, TypicalRecordsMatchTheReference) {
  LogRecord r = Typical();
  EXPECT_EQ(FormatLogRecord(r), ReferenceLine(r));
  r.envelope.auth_user = "alice";
  r.verdict.error = true;
  r.verdict.notes = {"bayes unavailable: no model", "scan truncated at 100 bytes"};
  r.verdict.bayes = BayesOutcome{};
  r.verdict.bayes.status = "model too small";
  r.verdict.hits.clear();
  r.envelope.rcpts.clear();
  r.facts.subject.clear();
  EXPECT_EQ(FormatLogRecord(r), ReferenceLine(r));
  r.reason = "downstream: 554 5.7.1 \"no\"";
  EXPECT_EQ(FormatLogRecord(r), ReferenceLine(r));
}

TEST(LogFormat, AppendAddsToWhatIsThere) {
  LogRecord r = Typical();
  std::string out = "x\n";
  AppendLogRecord(r, &out);
  EXPECT_EQ(out, "x\n" + ReferenceLine(r));
}

TEST(LogFormat, AwkwardStringsMatchTheReference) {
  const std::vector<std::string> cases = {
      "",
      "plain",
      "quote \" backslash \\ slash /",
      std::string("nul \0 inside", 12),
      "\x01\x02\x1f\x7f tab\t cr\r lf\n bs\b ff\f",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",        // valid UTF-8
      "bad \xff\xfe bytes",                               // invalid bytes
      "cut \xe2\x82",                                     // truncated sequence at the end
      "\xc3\x28 \xa0\xa1 \xed\xa0\x80 \xf4\x90\x80\x80",  // invalid pairs, surrogate, >U+10FFFF
      "\xc0\xaf overlong",
  };
  for (const std::string& s : cases) {
    LogRecord r = Typical();
    r.facts.subject = s;
    r.envelope.mail_from = s;
    r.envelope.rcpts = {s, "b"};
    r.verdict.hits[0].id = s;
    r.verdict.hits[1].target = s;
    r.verdict.notes = {s};
    r.reason = s;
    EXPECT_EQ(FormatLogRecord(r), ReferenceLine(r)) << s;
  }
  // Every single byte value, in every string field at once.
  for (int c = 0; c < 256; ++c) {
    LogRecord r = Typical();
    std::string s = "a" + std::string(1, static_cast<char>(c)) + "z";
    r.source = s;
    r.envelope.queue_id = s;
    r.envelope.client_ip = s;
    r.envelope.client_name = s;
    r.envelope.helo = s;
    r.facts.message_id = s;
    r.facts.from = s;
    r.verdict.bayes.available = false;
    r.verdict.bayes.status = s;
    EXPECT_EQ(FormatLogRecord(r), ReferenceLine(r)) << c;
  }
}

TEST(LogFormat, ScoresMatchTheReference) {
  auto check = [](double score) {
    LogRecord r = Typical();
    r.verdict.score = score;
    r.verdict.hits[0].score = -score;
    r.verdict.bayes.probability = score;
    r.verdict.bayes.score = score / 7;
    ASSERT_EQ(FormatLogRecord(r), ReferenceLine(r)) << score;
  };
  // Every score of 3 decimals up to +-30, and some halfway points around them.
  for (int m = -30000; m <= 30000; ++m) {
    check(m / 1000.0);
    if (m % 97 == 0) check((m + 0.5) / 1000.0);
  }
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> small(-1e6, 1e6);
  std::uniform_real_distribution<double> large(-1e13, 1e13);
  std::uniform_int_distribution<long long> thousandths(-999999999999999LL, 999999999999999LL);
  for (int i = 0; i < 20000; ++i) {
    check(small(rng));
    check(large(rng));
    check(static_cast<double>(thousandths(rng)) / 1000.0);
  }
  for (double v : {0.0, -0.0, 0.0004, -0.0004, 0.0005, -0.0005, 1e-300, 5e11, 999999999999.9994,
                   1e12, -1e12, 1e15, 1e18}) {
    check(v);
  }
}

}  // namespace
}  // namespace sluice
