// Condition forms: and, or, not, parentheses, `1 of`/`all of` with patterns and `them`, the
// specification's precedence, condition lists; and the parser's errors.
#include "sigma/condition.h"
#include "sigma_test_util.h"

namespace tansa::sigma::testing {
namespace {

// Three selections a, b, c on fields A, B, C (value "y"), and _x on X.
std::string rule3(std::string_view condition) {
  return "title: t\nlogsource: {}\ndetection:\n  sel_a: {A: y}\n  sel_b: {B: y}\n  other_c: {C: "
         "y}\n"
         "  _x: {X: y}\n  condition: " +
         std::string(condition) + "\n";
}

EventBuilder ev(bool a, bool b, bool c, bool x = false) {
  EventBuilder e;
  e.s("A", a ? "y" : "n").s("B", b ? "y" : "n").s("C", c ? "y" : "n").s("X", x ? "y" : "n");
  return e;
}

// Checks the condition against every combination of a, b, c.
template <typename F>
void truth_table(std::string_view condition, F expected) {
  for (const Options& o : engines()) {
    Compiled c(rule3(condition), o);
    for (int m = 0; m < 8; ++m) {
      const bool a = m & 1, b = m & 2, cc = m & 4;
      EXPECT_EQ(c.fires(ev(a, b, cc)), expected(a, b, cc))
          << condition << " a=" << a << " b=" << b << " c=" << cc;
    }
  }
}

TEST(Conditions, AndOrNot) {
  truth_table("sel_a and sel_b", [](bool a, bool b, bool) { return a && b; });
  truth_table("sel_a or sel_b", [](bool a, bool b, bool) { return a || b; });
  truth_table("sel_a and not sel_b", [](bool a, bool b, bool) { return a && !b; });
  truth_table("not sel_a", [](bool a, bool, bool) { return !a; });
  truth_table("not not sel_a", [](bool a, bool, bool) { return a; });
}

TEST(Conditions, PrecedenceIsNotThenAndThenOr) {
  truth_table("sel_a or sel_b and other_c", [](bool a, bool b, bool c) { return a || (b && c); });
  truth_table("not sel_a or sel_b", [](bool a, bool b, bool) { return !a || b; });
  truth_table("not sel_a and sel_b", [](bool a, bool b, bool) { return !a && b; });
  truth_table("(sel_a or sel_b) and other_c", [](bool a, bool b, bool c) { return (a || b) && c; });
  truth_table("not (sel_a or sel_b)", [](bool a, bool b, bool) { return !(a || b); });
}

TEST(Conditions, OneOfAndAllOfPatterns) {
  truth_table("1 of sel_*", [](bool a, bool b, bool) { return a || b; });
  truth_table("any of sel_*", [](bool a, bool b, bool) { return a || b; });
  truth_table("all of sel_*", [](bool a, bool b, bool) { return a && b; });
  truth_table("1 of sel_* and not other_c", [](bool a, bool b, bool c) { return (a || b) && !c; });
  truth_table("not 1 of sel_*", [](bool a, bool b, bool) { return !(a || b); });
}

TEST(Conditions, ThemExcludesUnderscoreNames) {
  // them = sel_a, sel_b, other_c; not _x.
  truth_table("all of them", [](bool a, bool b, bool c) { return a && b && c; });
  for (const Options& o : engines()) {
    Compiled c(rule3("1 of them"), o);
    EXPECT_FALSE(c.fires(ev(false, false, false, true)));
    Compiled u(rule3("1 of _*"), o);
    EXPECT_TRUE(u.fires(ev(false, false, false, true)));
  }
}

TEST(Conditions, ConditionListIsOr) {
  const std::string r =
      "title: t\nlogsource: {}\ndetection:\n  a: {A: y}\n  b: {B: y}\n  condition:\n    - a\n    - "
      "b\n";
  Compiled c(r);
  EXPECT_TRUE(c.fires(EventBuilder().s("A", "y")));
  EXPECT_TRUE(c.fires(EventBuilder().s("B", "y")));
  EXPECT_FALSE(c.fires(EventBuilder().s("C", "y")));
}

TEST(Conditions, KeywordsAreCaseInsensitive) {
  truth_table("sel_a AND NOT sel_b", [](bool a, bool b, bool) { return a && !b; });
}

TEST(ConditionParser, Errors) {
  EXPECT_FALSE(parse_condition("a and").has_value());
  EXPECT_FALSE(parse_condition("(a or b").has_value());
  EXPECT_FALSE(parse_condition("a b").has_value());
  EXPECT_FALSE(parse_condition("sel*").has_value());
  EXPECT_FALSE(parse_condition("").has_value());
  auto agg = parse_condition("selection | count() by host > 5");
  ASSERT_FALSE(agg.has_value());
  EXPECT_NE(agg.error().find("correlation"), std::string::npos);
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "not ";
  EXPECT_FALSE(parse_condition(deep + "a").has_value());
}

TEST(ConditionParser, UnknownNamesAreRejectedAtLoad) {
  Compiled c("title: t\nlogsource: {}\ndetection:\n  a: {A: y}\n  condition: a and b\n", {}, true);
  ASSERT_EQ(c.rejected().size(), 1u);
  EXPECT_NE(c.rejected()[0].reason.find("'b'"), std::string::npos);
}

TEST(ConditionParser, PatternMatching) {
  EXPECT_TRUE(pattern_matches("sel*", "selection"));
  EXPECT_TRUE(pattern_matches("*", "x"));
  EXPECT_FALSE(pattern_matches("*", "_x"));
  EXPECT_TRUE(pattern_matches("_*", "_x"));
  EXPECT_TRUE(pattern_matches("them", "a"));
  EXPECT_FALSE(pattern_matches("them", "_a"));
  EXPECT_TRUE(pattern_matches("a*b*c", "aXbYc"));
  EXPECT_FALSE(pattern_matches("a*b", "ab_c"));
}

}  // namespace
}  // namespace tansa::sigma::testing
