// `tansa search` queries into one Sigma rule: the selections and the condition each expression
// gives, literal keywords, and the errors that name what cannot be read.
#include "survey/search.h"

#include <gtest/gtest.h>

namespace tansa::survey {
namespace {

std::string rule(SearchQuery q) {
  auto r = search_rule(q);
  EXPECT_TRUE(r) << r.error();
  return r ? *r : std::string();
}

std::string error(SearchQuery q) {
  auto r = search_rule(q);
  EXPECT_FALSE(r) << *r;
  return r ? std::string() : r.error();
}

TEST(SearchRule, AFieldExpressionBecomesSelectionsAndACondition) {
  const std::string y = rule(
      {{},
       {},
       {"EventID=4624 and IpAddress|cidr=203.0.113.0/24 and not TargetUserName|endswith='$'"}});
  EXPECT_NE(y.find("  w0_0:\n    'EventID': '4624'\n"), std::string::npos) << y;
  EXPECT_NE(y.find("  w0_1:\n    'IpAddress|cidr': '203.0.113.0/24'\n"), std::string::npos) << y;
  EXPECT_NE(y.find("  w0_2:\n    'TargetUserName|endswith': '$'\n"), std::string::npos) << y;
  EXPECT_NE(y.find("  condition: '((w0_0 and w0_1) and not w0_2)'\n"), std::string::npos) << y;
}

TEST(SearchRule, OrParenthesesNotEqualAndQuotes) {
  const std::string y =
      rule({{}, {}, {"(User=\"CORP\\it admin\" OR User='ok') and Image!=*\\cmd.exe"}});
  EXPECT_NE(y.find("    'User': 'CORP\\it admin'\n"), std::string::npos) << y;
  EXPECT_NE(y.find("  condition: '((w0_0 or w0_1) and not w0_2)'\n"), std::string::npos) << y;
  EXPECT_NE(y.find("    'Image': '*\\cmd.exe'\n"), std::string::npos) << y;
}

TEST(SearchRule, KeywordsAreLiteralAndEveryKindMustHold) {
  const std::string y = rule({{"C:\\Temp\\*.ps1", "it's"}, {"(?i)mimi.atz"}, {"EventID=1"}});
  EXPECT_NE(y.find("  keywords:\n    - 'C:\\\\Temp\\\\\\*.ps1'\n    - 'it''s'\n"),
            std::string::npos)
      << y;
  EXPECT_NE(y.find("  regexes:\n    '|re':\n      - '(?i)mimi.atz'\n"), std::string::npos) << y;
  EXPECT_NE(y.find("  condition: 'keywords and regexes and w0_0'\n"), std::string::npos) << y;
}

TEST(SearchRule, ErrorsSayWhatAndWhere) {
  EXPECT_EQ(error({}), "nothing to search for (-k WORD, -e REGEX or -w EXPRESSION)");
  EXPECT_EQ(error({{}, {}, {"EventID"}}),
            "-w: expected = or != after 'EventID' at offset 7 of 'EventID'");
  EXPECT_EQ(error({{}, {}, {"EventID=1 and"}}),
            "-w: expected a field name at offset 13 of 'EventID=1 and'");
  EXPECT_EQ(error({{}, {}, {"(EventID=1"}}), "-w: expected ')' at offset 10 of '(EventID=1'");
  EXPECT_EQ(error({{}, {}, {"User='x"}}), "-w: unclosed quote at offset 6 of 'User='x'");
  EXPECT_EQ(error({{}, {}, {"EventID=1 EventID=2"}}),
            "-w: unexpected text at offset 10 of 'EventID=1 EventID=2'");
  EXPECT_EQ(error({{""}, {}, {}}), "-k: an empty keyword");
}

}  // namespace
}  // namespace tansa::survey
