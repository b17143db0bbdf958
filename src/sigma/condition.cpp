#include "sigma/condition.h"

#include <cctype>
#include <vector>

namespace tansa::sigma {
namespace {

struct Token {
  enum class Kind { Word, LParen, RParen, End } kind;
  std::string_view text;
  std::size_t pos;
};

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == '*';
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::expected<Condition, std::string> run() {
    if (auto err = tokenize(); !err.empty()) return std::unexpected(err);
    auto c = parse_or(0);
    if (!c) return c;
    if (peek().kind != Token::Kind::End)
      return std::unexpected("unexpected '" + std::string(peek().text) + "' at column " +
                             std::to_string(peek().pos + 1));
    return c;
  }

 private:
  std::string tokenize() {
    std::size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (c == '(') {
        toks_.push_back({Token::Kind::LParen, text_.substr(i, 1), i});
        ++i;
      } else if (c == ')') {
        toks_.push_back({Token::Kind::RParen, text_.substr(i, 1), i});
        ++i;
      } else if (c == '|') {
        return "the aggregation syntax ('|' in the condition) is obsolete; write a correlation "
               "rule instead";
      } else if (word_char(c)) {
        const std::size_t start = i;
        while (i < text_.size() && word_char(text_[i])) ++i;
        toks_.push_back({Token::Kind::Word, text_.substr(start, i - start), start});
      } else {
        return "unexpected character '" + std::string(1, c) + "' at column " +
               std::to_string(i + 1);
      }
    }
    toks_.push_back({Token::Kind::End, {}, text_.size()});
    return {};
  }

  const Token& peek() const { return toks_[pos_]; }
  bool is_word(std::string_view w) const {
    return peek().kind == Token::Kind::Word && iequals(peek().text, w);
  }

  // Depth bounds recursion on hostile conditions such as "not not not ...".
  static constexpr int kMaxDepth = 200;

  std::expected<Condition, std::string> parse_or(int depth) {
    if (depth > kMaxDepth) return std::unexpected("condition nested too deeply");
    auto left = parse_and(depth + 1);
    if (!left) return left;
    if (!is_word("or")) return left;
    Condition c{Condition::Op::Or, {}, {}};
    c.kids.push_back(std::move(*left));
    while (is_word("or")) {
      ++pos_;
      auto right = parse_and(depth + 1);
      if (!right) return right;
      c.kids.push_back(std::move(*right));
    }
    return c;
  }

  std::expected<Condition, std::string> parse_and(int depth) {
    auto left = parse_not(depth + 1);
    if (!left) return left;
    if (!is_word("and")) return left;
    Condition c{Condition::Op::And, {}, {}};
    c.kids.push_back(std::move(*left));
    while (is_word("and")) {
      ++pos_;
      auto right = parse_not(depth + 1);
      if (!right) return right;
      c.kids.push_back(std::move(*right));
    }
    return c;
  }

  std::expected<Condition, std::string> parse_not(int depth) {
    if (depth > kMaxDepth) return std::unexpected("condition nested too deeply");
    if (is_word("not")) {
      ++pos_;
      auto inner = parse_not(depth + 1);
      if (!inner) return inner;
      Condition c{Condition::Op::Not, {}, {}};
      c.kids.push_back(std::move(*inner));
      return c;
    }
    return parse_primary(depth + 1);
  }

  std::expected<Condition, std::string> parse_primary(int depth) {
    const Token& t = peek();
    if (t.kind == Token::Kind::LParen) {
      ++pos_;
      auto inner = parse_or(depth + 1);
      if (!inner) return inner;
      if (peek().kind != Token::Kind::RParen)
        return std::unexpected("missing ')' at column " + std::to_string(peek().pos + 1));
      ++pos_;
      return inner;
    }
    if (t.kind != Token::Kind::Word) {
      if (t.kind == Token::Kind::End) return std::unexpected("condition ends too early");
      return std::unexpected("unexpected ')' at column " + std::to_string(t.pos + 1));
    }
    if (iequals(t.text, "and") || iequals(t.text, "or") || iequals(t.text, "of"))
      return std::unexpected("unexpected '" + std::string(t.text) + "' at column " +
                             std::to_string(t.pos + 1));
    const bool quant = iequals(t.text, "1") || iequals(t.text, "any") || iequals(t.text, "all");
    if (quant && toks_[pos_ + 1].kind == Token::Kind::Word && iequals(toks_[pos_ + 1].text, "of")) {
      const bool all = iequals(t.text, "all");
      pos_ += 2;
      if (peek().kind != Token::Kind::Word)
        return std::unexpected("'of' must be followed by a name pattern or 'them'");
      Condition c{all ? Condition::Op::AllOf : Condition::Op::OneOf, {}, {}};
      c.name = iequals(peek().text, "them") ? "them" : std::string(peek().text);
      ++pos_;
      return c;
    }
    if (t.text.find('*') != std::string_view::npos)
      return std::unexpected("'" + std::string(t.text) +
                             "': a pattern is only allowed after '1 of' or 'all of'");
    Condition c{Condition::Op::Ref, std::string(t.text), {}};
    ++pos_;
    return c;
  }

  std::string_view text_;
  std::vector<Token> toks_;
  std::size_t pos_ = 0;
};

// Glob with `*` only, iterative with one backtrack point: linear enough for identifiers.
bool glob(std::string_view p, std::string_view s) {
  std::size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] != '*' && p[pi] == s[si]) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace

std::expected<Condition, std::string> parse_condition(std::string_view text) {
  return Parser(text).run();
}

bool pattern_matches(std::string_view pattern, std::string_view name) {
  if (pattern == "them") return name.empty() || name[0] != '_';
  if (!name.empty() && name[0] == '_' && (pattern.empty() || pattern[0] != '_')) return false;
  return glob(pattern, name);
}

}  // namespace tansa::sigma
