// message_test.cc - the Message accessors: defect names, header lookup, text ranges.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "filter/mime/message.h"

namespace sluice::mime {
namespace {

TEST(DefectName, EveryKindHasAUniqueSnakeCaseName) {
  std::set<std::string> names;
  for (int k = 0; k <= static_cast<int>(DefectKind::kMissingHeaders); ++k) {
    std::string name(DefectName(static_cast<DefectKind>(k)));
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name, "unknown") << k;
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"), std::string::npos);
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(DefectKind::kMissingHeaders) + 1);
  EXPECT_EQ(DefectName(DefectKind::kStartBoundaryNotFound), "start_boundary_not_found");
}

TEST(Message, FindHeaderIsCaseInsensitiveAndTopLevelOnly) {
  Message m = Parse("content-TYPE: message/rfc822\nX-Outer: 1\n\nX-Inner: 2\n\nbody\n");
  ASSERT_NE(m.FindHeader("Content-Type"), nullptr);
  EXPECT_EQ(m.FindHeader("x-outer")->value, "1");
  EXPECT_EQ(m.FindHeader("X-Inner"), nullptr);
  ASSERT_EQ(m.parts.size(), 2u);
  EXPECT_EQ(m.parts[1].headers[0].value, "2");
}

TEST(Message, ViewsPointIntoTheRawBuffer) {
  std::string raw = "Subject: s\n\nbody\n";
  Message m = Parse(raw);
  EXPECT_EQ(m.raw.data(), raw.data());
  EXPECT_EQ(m.parts[0].raw_body.data(), raw.data() + 12);
  EXPECT_EQ(m.headers()[0].name.data(), raw.data());
  EXPECT_EQ(m.TextOf(m.parts[0]), "body\n");
}

}  // namespace
}  // namespace sluice::mime
