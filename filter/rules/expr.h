// expr.h - the little expression language of meta rules.
//
// A meta rule's `meta:` is an expression over rule ids and message facts, boolean and
// arithmetic: `FREE && (GIFT || CERTIFICATE)`, `RULE_A + RULE_B + RULE_C >= 2`,
// `html_only && image_count >= 2`. Grammar (C precedence, lowest first):
//   or: and ('||' and)*        and: cmp ('&&' cmp)*
//   cmp: sum (('>='|'<='|'>'|'<'|'=='|'!=') sum)?
//   sum: prod (('+'|'-') prod)*      prod: unary (('*'|'/') unary)*
//   unary: ('!'|'-') unary | number | identifier | '(' or ')'
// Values are doubles; comparisons and boolean operators give 0 or 1; division by zero
// gives 0. Identifiers are resolved by the caller into variable slots at parse time.
//
// Failure: Parse returns a non-ok Status naming the column of the first error.
// Thread-safety: a parsed Expr is immutable; Eval may run on many threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "filter/util/status.h"

namespace sluice::rules {

class Expr {
 public:
  // Maps an identifier to a variable slot (an index into Eval's `vars`).
  using Resolver = std::function<uint32_t(std::string_view identifier)>;

  static Result<Expr> Parse(std::string_view text, const Resolver& resolve);

  // Evaluates with variable slot i holding vars[i] (slots out of range read as 0).
  double Eval(const double* vars, size_t var_count) const;

  // The slots this expression reads, in order of first use.
  const std::vector<uint32_t>& variables() const { return variables_; }

 private:
  enum class Op : uint8_t {
    kConst,
    kVar,
    kNot,
    kNeg,
    kAdd,
    kSub,
    kMul,
    kDiv,
    kLt,
    kLe,
    kGt,
    kGe,
    kEq,
    kNe,
    kAnd,
    kOr,
  };
  struct Node {
    Op op;
    double value = 0;   // kConst
    uint32_t slot = 0;  // kVar
  };
  friend class ExprParser;
  // Postfix program: evaluated with a small value stack.
  std::vector<Node> program_;
  std::vector<uint32_t> variables_;
  size_t max_depth_ = 0;
};

}  // namespace sluice::rules
