// expr.cc - recursive-descent parser for meta rule expressions, compiled to a postfix
// program evaluated on a fixed-size stack (no allocation per evaluation).
#include "filter/rules/expr.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

namespace sluice::rules {

class ExprParser {
 public:
  ExprParser(std::string_view text, const Expr::Resolver& resolve, Expr* out)
      : text_(text), resolve_(resolve), out_(out) {}

  Status Run() {
    Status status = ParseOr();
    if (!status.ok()) return status;
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected '" + std::string(1, text_[pos_]) + "'");
    if (nesting_limit_hit_) return Error("expression nested too deeply");
    return Status::Ok();
  }

 private:
  using Op = Expr::Op;

  Status Error(const std::string& what) const {
    return Status::Invalid("meta expression, column " + std::to_string(pos_ + 1) + ": " + what);
  }
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Accept(std::string_view token) {
    SkipSpace();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  void Emit(Op op, double value = 0, uint32_t slot = 0) {
    out_->program_.push_back({op, value, slot});
    // Track the stack depth the program needs (each operand pushes, each binary op pops one).
    if (op == Op::kConst || op == Op::kVar) {
      ++depth_;
    } else if (op != Op::kNot && op != Op::kNeg) {
      --depth_;
    }
    out_->max_depth_ = std::max(out_->max_depth_, depth_);
  }

  Status ParseOr() {
    if (Status s = ParseAnd(); !s.ok()) return s;
    while (Accept("||")) {
      if (Status s = ParseAnd(); !s.ok()) return s;
      Emit(Op::kOr);
    }
    return Status::Ok();
  }
  Status ParseAnd() {
    if (Status s = ParseCmp(); !s.ok()) return s;
    while (Accept("&&")) {
      if (Status s = ParseCmp(); !s.ok()) return s;
      Emit(Op::kAnd);
    }
    return Status::Ok();
  }
  Status ParseCmp() {
    if (Status s = ParseSum(); !s.ok()) return s;
    static constexpr std::pair<std::string_view, Op> kOps[] = {
        {">=", Op::kGe}, {"<=", Op::kLe}, {"==", Op::kEq},
        {"!=", Op::kNe}, {">", Op::kGt},  {"<", Op::kLt},
    };
    for (const auto& [token, op] : kOps) {
      if (Accept(token)) {
        if (Status s = ParseSum(); !s.ok()) return s;
        Emit(op);
        break;
      }
    }
    return Status::Ok();
  }
  Status ParseSum() {
    if (Status s = ParseProd(); !s.ok()) return s;
    for (;;) {
      Op op;
      if (Accept("+")) {
        op = Op::kAdd;
      } else if (Accept("-")) {
        op = Op::kSub;
      } else {
        return Status::Ok();
      }
      if (Status s = ParseProd(); !s.ok()) return s;
      Emit(op);
    }
  }
  Status ParseProd() {
    if (Status s = ParseUnary(); !s.ok()) return s;
    for (;;) {
      Op op;
      if (Accept("*")) {
        op = Op::kMul;
      } else if (Accept("/")) {
        op = Op::kDiv;
      } else {
        return Status::Ok();
      }
      if (Status s = ParseUnary(); !s.ok()) return s;
      Emit(op);
    }
  }
  Status ParseUnary() {
    if (++nesting_ > kMaxNesting) {
      nesting_limit_hit_ = true;
      return Error("expression nested too deeply");
    }
    Status status = ParseUnaryInner();
    --nesting_;
    return status;
  }
  Status ParseUnaryInner() {
    SkipSpace();
    if (pos_ >= text_.size()) return Error("expression ends too early");
    // "!=" is a comparison, never a prefix: a bare '!' here is the boolean not.
    if (Accept("!")) {
      if (Status s = ParseUnary(); !s.ok()) return s;
      Emit(Op::kNot);
      return Status::Ok();
    }
    if (Accept("-")) {
      if (Status s = ParseUnary(); !s.ok()) return s;
      Emit(Op::kNeg);
      return Status::Ok();
    }
    if (Accept("(")) {
      if (Status s = ParseOr(); !s.ok()) return s;
      if (!Accept(")")) return Error("missing ')'");
      return Status::Ok();
    }
    char c = text_[pos_];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      size_t start = pos_;
      while (pos_ < text_.size() &&
             (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.')) {
        ++pos_;
      }
      std::string number(text_.substr(start, pos_ - start));
      char* end = nullptr;
      double value = std::strtod(number.c_str(), &end);
      if (end != number.c_str() + number.size()) return Error("bad number '" + number + "'");
      Emit(Op::kConst, value);
      return Status::Ok();
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = pos_;
      while (pos_ < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
        ++pos_;
      }
      uint32_t slot = resolve_(text_.substr(start, pos_ - start));
      auto& vars = out_->variables_;
      if (std::find(vars.begin(), vars.end(), slot) == vars.end()) vars.push_back(slot);
      Emit(Op::kVar, 0, slot);
      return Status::Ok();
    }
    return Error("unexpected '" + std::string(1, c) + "'");
  }

  static constexpr int kMaxNesting = 200;
  std::string_view text_;
  const Expr::Resolver& resolve_;
  Expr* out_;
  size_t pos_ = 0;
  size_t depth_ = 0;
  int nesting_ = 0;
  bool nesting_limit_hit_ = false;
};

Result<Expr> Expr::Parse(std::string_view text, const Resolver& resolve) {
  Expr expr;
  ExprParser parser(text, resolve, &expr);
  Status status = parser.Run();
  if (!status.ok()) return status;
  return expr;
}

double Expr::Eval(const double* vars, size_t var_count) const {
  // Small programs use the stack buffer; deep ones (rare, generated rules) the heap.
  double local[64];
  std::vector<double> heap;
  double* stack = local;
  if (max_depth_ > 64) {
    heap.resize(max_depth_);
    stack = heap.data();
  }
  size_t top = 0;
  for (const Node& node : program_) {
    switch (node.op) {
      case Op::kConst:
        stack[top++] = node.value;
        continue;
      case Op::kVar:
        stack[top++] = node.slot < var_count ? vars[node.slot] : 0.0;
        continue;
      case Op::kNot:
        stack[top - 1] = stack[top - 1] == 0 ? 1 : 0;
        continue;
      case Op::kNeg:
        stack[top - 1] = -stack[top - 1];
        continue;
      default:
        break;
    }
    double b = stack[--top];
    double& a = stack[top - 1];
    switch (node.op) {
      case Op::kAdd:
        a = a + b;
        break;
      case Op::kSub:
        a = a - b;
        break;
      case Op::kMul:
        a = a * b;
        break;
      case Op::kDiv:
        a = b == 0 ? 0 : a / b;
        break;
      case Op::kLt:
        a = a < b;
        break;
      case Op::kLe:
        a = a <= b;
        break;
      case Op::kGt:
        a = a > b;
        break;
      case Op::kGe:
        a = a >= b;
        break;
      case Op::kEq:
        a = a == b;
        break;
      case Op::kNe:
        a = a != b;
        break;
      case Op::kAnd:
        a = (a != 0 && b != 0);
        break;
      case Op::kOr:
        a = (a != 0 || b != 0);
        break;
      default:
        break;
    }
  }
  return top == 1 ? stack[0] : 0;
}

}  // namespace sluice::rules
