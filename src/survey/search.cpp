#include "survey/search.h"

#include <cctype>

namespace tansa::survey {

namespace {

// A YAML single-quoted scalar.
std::string quoted(std::string_view s) {
  std::string o = "'";
  for (char c : s) {
    if (c == '\'') o += '\'';
    o += c;
  }
  return o + "'";
}

// A keyword as literal text in Sigma: wildcards and the escape character escaped.
std::string literal(std::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '\\') o += '\\';
    o += c;
  }
  return o;
}

bool field_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
         c == '@' || c == '/';
}

// Parses one field expression into selections (appended to `yaml`) and a condition.
class ExpressionParser {
 public:
  ExpressionParser(std::string_view text, std::string prefix, std::string& yaml)
      : text_(text), prefix_(std::move(prefix)), yaml_(yaml) {}

  std::expected<std::string, std::string> parse() {
    auto e = expr();
    if (!e) return e;
    skip();
    if (pos_ < text_.size()) return fail("unexpected text");
    if (selections_ == 0) return fail("no comparison");
    return e;
  }

 private:
  std::unexpected<std::string> fail(const std::string& why) const {
    return std::unexpected(why + " at offset " + std::to_string(pos_) + " of '" +
                           std::string(text_) + "'");
  }
  void skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  // The next word when it is `w` (any case), followed by a space, a parenthesis or the end.
  bool word(std::string_view w) {
    skip();
    if (text_.size() - pos_ < w.size()) return false;
    for (std::size_t i = 0; i < w.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(text_[pos_ + i])) != w[i]) return false;
    const std::size_t end = pos_ + w.size();
    if (end < text_.size() && !std::isspace(static_cast<unsigned char>(text_[end])) &&
        text_[end] != '(' && text_[end] != ')')
      return false;
    pos_ = end;
    return true;
  }

  std::expected<std::string, std::string> expr() {
    auto left = term();
    if (!left) return left;
    std::string out = *left;
    while (word("or")) {
      auto right = term();
      if (!right) return right;
      out = "(" + out + " or " + *right + ")";
    }
    return out;
  }
  std::expected<std::string, std::string> term() {
    auto left = factor();
    if (!left) return left;
    std::string out = *left;
    while (word("and")) {
      auto right = factor();
      if (!right) return right;
      out = "(" + out + " and " + *right + ")";
    }
    return out;
  }
  std::expected<std::string, std::string> factor() {
    if (++depth_ > 64) return fail("too deeply nested");
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};
    if (word("not")) {
      auto f = factor();
      if (!f) return f;
      return "not " + *f;
    }
    skip();
    if (pos_ < text_.size() && text_[pos_] == '(') {
      ++pos_;
      auto e = expr();
      if (!e) return e;
      skip();
      if (pos_ >= text_.size() || text_[pos_] != ')') return fail("expected ')'");
      ++pos_;
      return *e;
    }
    return comparison();
  }
  std::expected<std::string, std::string> comparison() {
    skip();
    const std::size_t start = pos_;
    while (pos_ < text_.size() && (field_char(text_[pos_]) || text_[pos_] == '|')) ++pos_;
    const std::string_view field = text_.substr(start, pos_ - start);
    if (field.empty() || field.front() == '|') return fail("expected a field name");
    skip();
    bool negated = false;
    if (text_.substr(pos_, 2) == "!=") {
      negated = true;
      pos_ += 2;
    } else if (pos_ < text_.size() && text_[pos_] == '=') {
      ++pos_;
    } else {
      return fail("expected = or != after '" + std::string(field) + "'");
    }
    skip();
    std::string value;
    if (pos_ < text_.size() && (text_[pos_] == '\'' || text_[pos_] == '"')) {
      const char q = text_[pos_++];
      const std::size_t close = text_.find(q, pos_);
      if (close == std::string_view::npos) return fail("unclosed quote");
      value = text_.substr(pos_, close - pos_);
      pos_ = close + 1;
    } else {
      const std::size_t vstart = pos_;
      while (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_])) &&
             text_[pos_] != ')')
        ++pos_;
      value = text_.substr(vstart, pos_ - vstart);
      if (value.empty()) return fail("expected a value after '" + std::string(field) + "'");
    }
    const std::string name = prefix_ + std::to_string(selections_++);
    yaml_ += "  " + name + ":\n    " + quoted(field) + ": " + quoted(value) + "\n";
    return negated ? "not " + name : name;
  }

  std::string_view text_;
  std::string prefix_;
  std::string& yaml_;
  std::size_t pos_ = 0;
  int selections_ = 0;
  int depth_ = 0;
};

}  // namespace

std::expected<std::string, std::string> search_rule(const SearchQuery& q) {
  if (q.keywords.empty() && q.regexes.empty() && q.expressions.empty())
    return std::unexpected("nothing to search for (-k WORD, -e REGEX or -w EXPRESSION)");
  std::string yaml = "title: tansa search\nid: " + std::string(kSearchRuleId) +
                     "\nstatus: test\nlevel: informational\nlogsource: {}\ndetection:\n";
  std::vector<std::string> parts;
  if (!q.keywords.empty()) {
    yaml += "  keywords:\n";
    for (const auto& k : q.keywords) {
      if (k.empty()) return std::unexpected("-k: an empty keyword");
      yaml += "    - " + quoted(literal(k)) + "\n";
    }
    parts.push_back("keywords");
  }
  if (!q.regexes.empty()) {
    yaml += "  regexes:\n    '|re':\n";
    for (const auto& r : q.regexes) {
      if (r.empty()) return std::unexpected("-e: an empty regular expression");
      yaml += "      - " + quoted(r) + "\n";
    }
    parts.push_back("regexes");
  }
  for (std::size_t i = 0; i < q.expressions.size(); ++i) {
    ExpressionParser p(q.expressions[i], "w" + std::to_string(i) + "_", yaml);
    auto cond = p.parse();
    if (!cond) return std::unexpected("-w: " + cond.error());
    parts.push_back(*cond);
  }
  std::string condition;
  for (const auto& p : parts) condition += (condition.empty() ? "" : " and ") + p;
  yaml += "  condition: " + quoted(condition) + "\n";
  return yaml;
}

}  // namespace tansa::survey
