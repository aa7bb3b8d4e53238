// command_test.cc - the SMTP command line parser.
#include "filter/smtp/command.h"

#include <gtest/gtest.h>

namespace sluice::smtp {
namespace {

TEST(ParseCommand, VerbsAreCaseInsensitiveAndArgumentsTrimmed) {
  Command c = ParseCommand("mAiL FROM:<a@b>  ");
  EXPECT_EQ(c.verb, Verb::kMail);
  EXPECT_EQ(c.arg, "FROM:<a@b>");
  EXPECT_EQ(ParseCommand("ehlo x").verb, Verb::kEhlo);
  EXPECT_EQ(ParseCommand("STARTTLS").verb, Verb::kStartTls);
  EXPECT_EQ(ParseCommand("XFORWARD NAME=a").verb, Verb::kXforward);
  EXPECT_EQ(ParseCommand("TURN").verb, Verb::kTurn);
}

TEST(ParseCommand, UnknownAndPrefixesAreNotCommands) {
  EXPECT_EQ(ParseCommand("").verb, Verb::kUnknown);
  EXPECT_EQ(ParseCommand("DATAX").verb, Verb::kUnknown);
  EXPECT_EQ(ParseCommand("MAI").verb, Verb::kUnknown);
  EXPECT_EQ(ParseCommand("GET / HTTP/1.0").verb, Verb::kUnknown);
  Command data = ParseCommand("DATA ");
  EXPECT_EQ(data.verb, Verb::kData);
  EXPECT_TRUE(data.has_space);
  EXPECT_TRUE(data.arg.empty());
}

TEST(ParsePath, AddressAndParameters) {
  auto p = ParsePath("FROM:<alice@example.org> SIZE=100 BODY=8BITMIME smtputf8", "FROM", true);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->address, "alice@example.org");
  ASSERT_EQ(p->params.size(), 3u);
  EXPECT_EQ(p->params[0], (std::pair<std::string, std::string>{"SIZE", "100"}));
  EXPECT_EQ(p->params[1].second, "8BITMIME");
  EXPECT_EQ(p->params[2].first, "SMTPUTF8");
}

TEST(ParsePath, NullPathSpaceAfterColonAndSourceRoute) {
  auto null_path = ParsePath("FROM:<>", "FROM", true);
  ASSERT_TRUE(null_path.ok());
  EXPECT_EQ(null_path->address, "");
  EXPECT_FALSE(ParsePath("TO:<>", "TO", false).ok());
  auto spaced = ParsePath("to: <bob@example.net>", "TO", false);
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(spaced->address, "bob@example.net");
  auto routed = ParsePath("TO:<@relay.example,@b.example:carol@example.net>", "TO", false);
  ASSERT_TRUE(routed.ok());
  EXPECT_EQ(routed->address, "carol@example.net");
}

TEST(ParsePath, RejectsMalformedPaths) {
  EXPECT_FALSE(ParsePath("FROM:alice@example.org", "FROM", true).ok());
  EXPECT_FALSE(ParsePath("FROM:<alice@example.org", "FROM", true).ok());
  EXPECT_FALSE(ParsePath("FROM<a@b>", "FROM", true).ok());
  EXPECT_FALSE(ParsePath("TO:<a@b>", "FROM", true).ok());
  EXPECT_FALSE(ParsePath("FROM:<a b@c>", "FROM", true).ok());
  EXPECT_FALSE(ParsePath(std::string("FROM:<a\0b@c>", 13), "FROM", true).ok());
  EXPECT_FALSE(ParsePath("FROM:<a@b>SIZE=1", "FROM", true).ok());
  EXPECT_FALSE(ParsePath("FROM:<a@b> =1", "FROM", true).ok());
  EXPECT_FALSE(ParsePath("FROM:<a@b> SIZE=1=2", "FROM", true).ok());
  std::string long_path = "FROM:<" + std::string(300, 'a') + "@b>";
  auto too_long = ParsePath(long_path, "FROM", true);
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.status().message().find("5.1.3"), std::string::npos);
}

TEST(ParseAttributes, DecodesXtextAndNeedsValues) {
  auto attrs = ParseAttributes("NAME=mx.example ADDR=192.0.2.1 HELO=a+20b");
  ASSERT_TRUE(attrs.ok());
  ASSERT_EQ(attrs->size(), 3u);
  EXPECT_EQ((*attrs)[2].second, "a b");
  EXPECT_FALSE(ParseAttributes("").ok());
  EXPECT_FALSE(ParseAttributes("NAME").ok());
}

TEST(HasNonAscii, SeesUtf8) {
  EXPECT_FALSE(HasNonAscii("plain@example.org"));
  EXPECT_TRUE(HasNonAscii("j\xC3\xBCrgen@example.org"));
}

}  // namespace
}  // namespace sluice::smtp
