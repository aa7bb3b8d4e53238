// expr_test.cc - the meta rule expression language: precedence, values, errors.
#include "filter/rules/expr.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace sluice::rules {
namespace {

class ExprTest : public ::testing::Test {
 protected:
  double Eval(const std::string& text) {
    auto expr = Expr::Parse(text, [&](std::string_view name) -> uint32_t {
      auto it = slots_.find(std::string(name));
      return it == slots_.end() ? UINT32_MAX : it->second;
    });
    EXPECT_TRUE(expr.ok()) << text << ": " << expr.status().message();
    if (!expr.ok()) return -999;
    return expr->Eval(values_, 4);
  }
  std::string Error(const std::string& text) {
    auto expr = Expr::Parse(text, [](std::string_view) -> uint32_t { return 0; });
    EXPECT_FALSE(expr.ok()) << text;
    return expr.ok() ? "" : expr.status().message();
  }
  std::map<std::string, uint32_t> slots_ = {{"A", 0}, {"B", 1}, {"C", 2}, {"image_count", 3}};
  double values_[4] = {1, 0, 1, 3};
};

TEST_F(ExprTest, BooleanOperators) {
  EXPECT_EQ(Eval("A && B"), 0);
  EXPECT_EQ(Eval("A || B"), 1);
  EXPECT_EQ(Eval("A && (B || C)"), 1);
  EXPECT_EQ(Eval("!B"), 1);
  EXPECT_EQ(Eval("!A"), 0);
  EXPECT_EQ(Eval("A && !B && C"), 1);
}

TEST_F(ExprTest, ArithmeticAndComparison) {
  EXPECT_EQ(Eval("A + B + C"), 2);
  EXPECT_EQ(Eval("A + B + C >= 2"), 1);
  EXPECT_EQ(Eval("A + B + C >= 3"), 0);
  EXPECT_EQ(Eval("image_count * 2 - 1"), 5);
  EXPECT_EQ(Eval("image_count / 0"), 0);
  EXPECT_EQ(Eval("-image_count < 0"), 1);
  EXPECT_EQ(Eval("image_count == 3 && image_count != 4"), 1);
  EXPECT_EQ(Eval("1.5 * 2 > 2.9"), 1);
}

TEST_F(ExprTest, PrecedenceFollowsC) {
  EXPECT_EQ(Eval("1 + 2 * 3"), 7);
  EXPECT_EQ(Eval("(1 + 2) * 3"), 9);
  EXPECT_EQ(Eval("B || A && C"), 1);  // && binds tighter than ||
  EXPECT_EQ(Eval("B && A || C"), 1);
}

TEST_F(ExprTest, UnknownNamesReadZero) { EXPECT_EQ(Eval("NOPE + 1"), 1); }

TEST_F(ExprTest, ErrorsNameTheColumn) {
  EXPECT_NE(Error("A &&").find("column"), std::string::npos);
  EXPECT_NE(Error("(A || B").find("missing ')'"), std::string::npos);
  EXPECT_NE(Error("A $ B").find("column 3"), std::string::npos);
  EXPECT_NE(Error("").find("ends too early"), std::string::npos);
  EXPECT_NE(Error("2 > 1 == 1").find("unexpected"), std::string::npos);  // no chaining
  EXPECT_NE(Error(std::string(500, '(') + "A" + std::string(500, ')')).find("deeply"),
            std::string::npos);
}

TEST_F(ExprTest, VariablesListedOnce) {
  auto expr =
      Expr::Parse("A + A + B", [](std::string_view n) -> uint32_t { return n == "A" ? 0 : 1; });
  ASSERT_TRUE(expr.ok());
  EXPECT_EQ(expr->variables(), (std::vector<uint32_t>{0, 1}));
}

}  // namespace
}  // namespace sluice::rules
