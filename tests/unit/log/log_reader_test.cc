// log_reader_test.cc - `sluice logs` parsing, filters, --since, table and summary.
#include "filter/log/log_reader.h"

#include <gtest/gtest.h>

#include "filter/log/log_view.h"

namespace sluice {
namespace {

const char* kLine =
    R"({"time":"2026-11-28T04:31:07.123Z","source":"milter","queue_id":"Q1","from":"Alice@Example.org",)"
    R"("rcpts":["b@x"],"header_from":"Alice <alice@example.org>","subject":"Win money now","size":100,)"
    R"("score":12.5,"action":"reject","hits":[{"id":"GTUBE","score":1000},{"id":"MONEY","score":2.5},)"
    R"({"id":"URGENT","score":1.0},{"id":"FOURTH","score":0.5}],"bayes":{"available":true,"probability":0.99},)"
    R"("us":{"total":321}})";

TEST(ParseLogLine, ReadsFieldsAndRejectsNonObjects) {
  auto e = ParseLogLine(kLine);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->action, "reject");
  EXPECT_EQ(e->hits.size(), 4u);
  EXPECT_EQ(e->total_us, 321u);
  EXPECT_FALSE(ParseLogLine("{\"time\": \"2026-11").ok());  // a torn last line
  EXPECT_FALSE(ParseLogLine("[1,2]").ok());
  EXPECT_FALSE(ParseLogLine("").ok());
  // Missing fields are defaults, not errors.
  auto minimal = ParseLogLine("{\"score\":1.5}");
  ASSERT_TRUE(minimal.ok());
  EXPECT_DOUBLE_EQ(minimal->score, 1.5);
  EXPECT_FALSE(minimal->bayes_probability.has_value());
}

// A hand-edited or foreign line with fields of the wrong type is read with defaults (or
// skipped), never thrown out of the reader: `sluice logs` used to die on it.
TEST(ParseLogLine, WrongTypesAndOutOfRangeNumbersAreDefaults) {
  for (const char* line :
       {R"({"error":1,"score":2})", R"({"error":"yes","score":2})",
        R"({"bayes":{"available":"true","probability":0.5},"score":2})",
        R"({"bayes":{"available":1},"score":2})", R"({"size":-5,"score":2,"us":{"total":-1}})",
        R"({"size":1e300,"score":2,"us":{"total":1e300}})"}) {
    Result<LogEntry> e = Status::Internal("not run");
    EXPECT_NO_THROW(e = ParseLogLine(line)) << line;
    ASSERT_TRUE(e.ok()) << line;
    EXPECT_DOUBLE_EQ(e->score, 2) << line;
    EXPECT_FALSE(e->error) << line;
    EXPECT_FALSE(e->bayes_probability.has_value()) << line;
    EXPECT_LE(e->total_us, 0xffffffffu) << line;
  }
  auto negative = ParseLogLine(R"({"size":-5,"us":{"total":-1}})");
  ASSERT_TRUE(negative.ok());
  EXPECT_EQ(negative->size, 0u);
  EXPECT_EQ(negative->total_us, 0u);
  auto valid = ParseLogLine(R"({"error":true,"bayes":{"available":true,"probability":0.25}})");
  ASSERT_TRUE(valid.ok());
  EXPECT_TRUE(valid->error);
  EXPECT_DOUBLE_EQ(valid->bayes_probability.value_or(-1), 0.25);
}

LogFilter Filter(std::string action, std::string from, std::optional<double> min_score,
                 std::string since) {
  LogFilter f;
  f.action = std::move(action);
  f.from = std::move(from);
  f.min_score = min_score;
  f.since = std::move(since);
  return f;
}

TEST(LogFilter, MatchesEachCriterion) {
  const LogEntry e = *ParseLogLine(kLine);
  EXPECT_TRUE(LogFilter{}.Matches(e));
  EXPECT_TRUE(Filter("reject", "", {}, "").Matches(e));
  EXPECT_FALSE(Filter("accept", "", {}, "").Matches(e));
  EXPECT_TRUE(Filter("", "alice@example", {}, "").Matches(e));  // case-insensitive
  EXPECT_FALSE(Filter("", "mallory", {}, "").Matches(e));
  EXPECT_TRUE(Filter("", "", 12.5, "").Matches(e));
  EXPECT_FALSE(Filter("", "", 12.6, "").Matches(e));
  EXPECT_TRUE(Filter("", "", {}, "2026-11-28T04:31:07").Matches(e));
  EXPECT_FALSE(Filter("", "", {}, "2026-11-28T04:31:08").Matches(e));
}

TEST(ParseSince, DurationsAndAbsoluteTimes) {
  const auto now = std::chrono::system_clock::from_time_t(1764304267);  // 2025-11-28T04:31:07Z
  EXPECT_EQ(*ParseSince("30s", now), "2025-11-28T04:30:37");
  EXPECT_EQ(*ParseSince("15m", now), "2025-11-28T04:16:07");
  EXPECT_EQ(*ParseSince("2h", now), "2025-11-28T02:31:07");
  EXPECT_EQ(*ParseSince("1d", now), "2025-11-27T04:31:07");
  EXPECT_EQ(*ParseSince("2026-01-02", now), "2026-01-02T00:00:00");
  EXPECT_EQ(*ParseSince("2026-01-02T03:04", now), "2026-01-02T03:04:00");
  EXPECT_EQ(*ParseSince("2026-01-02 03:04:05", now), "2026-01-02T03:04:05");
  EXPECT_FALSE(ParseSince("yesterday", now).ok());
  EXPECT_FALSE(ParseSince("5w", now).ok());
  EXPECT_FALSE(ParseSince("2026-13-01", now).ok());
  // Too far back: an error, not an exception (std::stoll) or a wrapped-around time.
  Result<std::string> huge = Status::Internal("not run");
  EXPECT_NO_THROW(huge = ParseSince("99999999999999999999d", now));
  EXPECT_FALSE(huge.ok());
  EXPECT_FALSE(ParseSince("999999999999999d", now).ok());
  EXPECT_EQ(*ParseSince("36500d", now), "1925-12-23T04:31:07");
}

TEST(LogView, RowShowsTopThreeReasonsAndFits) {
  const LogEntry e = *ParseLogLine(kLine);
  const std::string row = LogTableRow(e);
  EXPECT_NE(row.find("11-28 04:31:07"), std::string::npos) << row;
  EXPECT_NE(row.find("Alice@Example.org"), std::string::npos);
  EXPECT_NE(row.find("12.5"), std::string::npos);
  EXPECT_NE(row.find("GTUBE(1000.0) MONEY(2.5) URGENT(1.0)"), std::string::npos) << row;
  EXPECT_EQ(row.find("FOURTH"), std::string::npos);
  EXPECT_NE(row.find("bayes=0.99"), std::string::npos);
  LogEntry longer = e;
  longer.subject = std::string(100, 'x');
  const std::string cut = LogTableRow(longer);
  EXPECT_NE(cut.find(std::string(35, 'x') + "~"), std::string::npos);
  EXPECT_EQ(cut.find(std::string(36, 'x')), std::string::npos);
}

// A message the score did not decide (the SMTP proxy's size limit, a downstream refusal)
// shows why first.
TEST(LogView, RowShowsTheReasonBeforeTheRules) {
  auto e = ParseLogLine(
      R"({"time":"2026-11-28T04:31:07.123Z","from":"a@x","score":1,"action":"tempfail",)"
      R"("reason":"downstream: 451 4.3.0 queue file write error","hits":[{"id":"R1","score":1}]})");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->reason, "downstream: 451 4.3.0 queue file write error");
  const std::string row = LogTableRow(*e);
  EXPECT_NE(row.find("tempfail        downstream: 451 4.3.0 queue file write error; R1(1.0)"),
            std::string::npos)
      << row;
  EXPECT_EQ(ParseLogLine(kLine)->reason, "");
}

TEST(LogView, SummaryCountsActionsBucketsAndRules) {
  LogSummary summary;
  LogEntry a = *ParseLogLine(kLine);
  LogEntry b = a;
  b.action = "accept";
  b.score = 0.2;
  b.hits = {{"MONEY", 2.5}};
  summary.Add(a);
  summary.Add(b);
  summary.Add(b);
  EXPECT_EQ(summary.total(), 3u);
  const std::string text = summary.Format();
  EXPECT_NE(text.find("accept                  2"), std::string::npos) << text;
  EXPECT_NE(text.find("reject                  1"), std::string::npos) << text;
  EXPECT_NE(text.find("0..1        2"), std::string::npos) << text;
  EXPECT_NE(text.find("12..13        1"), std::string::npos) << text;
  // MONEY (3 times) ranks above GTUBE (once).
  EXPECT_LT(text.find("MONEY"), text.find("GTUBE"));
}

}  // namespace
}  // namespace sluice
