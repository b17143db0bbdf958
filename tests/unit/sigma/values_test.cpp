// Value semantics: wildcards and escapes, null versus empty versus missing, integers versus
// strings, booleans, keywords. The tricky cases of ../shared/notes/sigma-semantics.md section 4.
#include "sigma_test_util.h"

namespace tansa::sigma::testing {
namespace {

void expect(const std::string& yaml, const EventBuilder& e, bool want) {
  for (const Options& o : engines()) {
    Compiled c(yaml, o);
    EXPECT_EQ(c.fires(e), want) << yaml << "(prefilter " << o.prefilter << ", index " << o.index
                                << ")";
  }
}
#define FIRES(y, e) expect((y), (e), true)
#define SILENT(y, e) expect((y), (e), false)

TEST(Values, StarAndQuestionMarkAreWildcards) {
  FIRES(rule("    Image: 'C:*\\evil?.exe'"), EventBuilder().s("Image", "c:\\tmp\\x\\evil1.exe"));
  SILENT(rule("    Image: 'C:*\\evil?.exe'"), EventBuilder().s("Image", "c:\\tmp\\evil12.exe"));
  FIRES(rule("    Image: '*'"), EventBuilder().s("Image", ""));
  SILENT(rule("    Image: '*'"), EventBuilder().s("Other", ""));
  FIRES(rule("    Image: 'a*b*c'"), EventBuilder().s("Image", "aXbYbZc"));
  SILENT(rule("    Image: 'a*b*c'"), EventBuilder().s("Image", "aXbYbZcd"));
}

TEST(Values, EscapedWildcardsAreLiteral) {
  // \* and \? are literal; the value below is the text "a*b?".
  FIRES(rule("    F: 'a\\*b\\?'"), EventBuilder().s("F", "a*b?"));
  SILENT(rule("    F: 'a\\*b\\?'"), EventBuilder().s("F", "aXXbY"));
}

TEST(Values, DoubleBackslashBeforeStarIsBackslashThenWildcard) {
  // sigma#2339: '\\*' is a literal backslash followed by a wildcard.
  FIRES(rule("    F: 'C:\\\\*'"), EventBuilder().s("F", "C:\\anything"));
  SILENT(rule("    F: 'C:\\\\*'"), EventBuilder().s("F", "C:anything"));
  // '\\\*' is a backslash and a literal star.
  FIRES(rule("    F: 'C:\\\\\\*'"), EventBuilder().s("F", "C:\\*"));
  SILENT(rule("    F: 'C:\\\\\\*'"), EventBuilder().s("F", "C:\\x"));
  // '\\\\' is two backslashes.
  FIRES(rule("    F: 'a\\\\\\\\b'"), EventBuilder().s("F", "a\\\\b"));
}

TEST(Values, OtherBackslashesAndATrailingOneAreLiteral) {
  FIRES(rule("    F: 'C:\\Windows\\'"), EventBuilder().s("F", "C:\\Windows\\"));
  // '*\AppData\*' ends with a literal '\AppData*' (the last star is escaped).
  const auto r = rule("    F: '*\\AppData\\*'");
  FIRES(r, EventBuilder().s("F", "C:\\Users\\x\\AppData*"));
  SILENT(r, EventBuilder().s("F", "C:\\Users\\x\\AppData\\Local"));
}

TEST(Values, NullMatchesAMissingOrNullFieldOnly) {
  const auto r = rule("    OriginalFileName: null");
  FIRES(r, EventBuilder().s("Other", "x"));
  FIRES(r, EventBuilder().null("OriginalFileName"));
  SILENT(r, EventBuilder().s("OriginalFileName", "cmd.exe"));
  // "not null" is written as the negation of a null selection.
  const auto notnull = rule("    OriginalFileName: null", "not selection");
  FIRES(notnull, EventBuilder().s("OriginalFileName", "cmd.exe"));
  SILENT(notnull, EventBuilder().s("Other", "x"));
}

TEST(Values, EmptyStringMatchesAPresentEmptyField) {
  const auto r = rule("    Description: ''");
  FIRES(r, EventBuilder().s("Description", ""));
  SILENT(r, EventBuilder().s("Other", "x"));
  SILENT(r, EventBuilder().s("Description", "x"));
}

TEST(Values, EmptyListMeansNull) {
  const auto r = rule("    Description: []");
  FIRES(r, EventBuilder().s("Other", "x"));
  SILENT(r, EventBuilder().s("Description", "x"));
}

TEST(Values, IntegersCompareNumericallyOrAsTheExactDecimalString) {
  const auto r = rule("    EventID: 4688");
  FIRES(r, EventBuilder().i("EventID", 4688));
  FIRES(r, EventBuilder().s("EventID", "4688"));
  // chainsaw#19, sigma_to_wazuh#21: never a substring.
  SILENT(r, EventBuilder().s("EventID", "14688"));
  SILENT(r, EventBuilder().i("EventID", 46880));
  const auto list = rule("    EventID:\n      - 4624\n      - 528");
  FIRES(list, EventBuilder().i("EventID", 528));
  SILENT(list, EventBuilder().i("EventID", 529));
}

TEST(Values, HexStringsStayStrings) {
  // evtx-baseline#7: '0x3e7' must not become 999.
  const auto r = rule("    LogonId: '0x3e7'");
  FIRES(r, EventBuilder().s("LogonId", "0x3E7"));
  SILENT(r, EventBuilder().s("LogonId", "999"));
  SILENT(r, EventBuilder().i("LogonId", 999));
}

TEST(Values, QuotedNumbersAreStrings) {
  const auto r = rule("    Port: '0443'");
  FIRES(r, EventBuilder().s("Port", "0443"));
  SILENT(r, EventBuilder().i("Port", 443));
}

TEST(Values, Booleans) {
  const auto r = rule("    Enabled: true");
  FIRES(r, EventBuilder().s("Enabled", "True"));
  SILENT(r, EventBuilder().s("Enabled", "false"));
}

TEST(Values, KeywordsSearchEveryFieldAsSubstrings) {
  const std::string r =
      "title: t\nlogsource: {}\ndetection:\n  keywords:\n    - 'Accepted publickey'\n    - "
      "'mimikatz'\n"
      "  condition: keywords\n";
  FIRES(r, EventBuilder().s("message", "sshd: Accepted publickey for root"));
  FIRES(r, EventBuilder().s("a", "x").s("CommandLine", "run MIMIKATZ.exe"));
  SILENT(r, EventBuilder().s("message", "Failed password for root"));
  const std::string all =
      "title: t\nlogsource: {}\ndetection:\n  keywords:\n    '|all':\n      - 'wget'\n      - "
      "'chmod'\n"
      "  condition: keywords\n";
  FIRES(all, EventBuilder().s("a", "wget http://x; chmod +x y"));
  FIRES(all, EventBuilder().s("a", "wget http://x").s("b", "chmod +x y"));
  SILENT(all, EventBuilder().s("a", "wget http://x"));
}

TEST(Values, MapsAreAndListsOfMapsAreOr) {
  const std::string r =
      "title: t\nlogsource: {}\ndetection:\n  selection:\n    - Image|endswith: '\\a.exe'\n"
      "      User: bob\n    - Image|endswith: '\\b.exe'\n  condition: selection\n";
  FIRES(r, EventBuilder().s("Image", "c:\\a.exe").s("User", "bob"));
  SILENT(r, EventBuilder().s("Image", "c:\\a.exe").s("User", "eve"));
  FIRES(r, EventBuilder().s("Image", "c:\\b.exe").s("User", "eve"));
}

TEST(Values, SpacesInEventFieldNamesAreIgnored) {
  // Defender writes "Source Name"; rules write SourceName.
  FIRES(rule("    SourceName: 'Real-Time Protection'"),
        EventBuilder().s("Source Name", "Real-Time Protection"));
}

}  // namespace
}  // namespace tansa::sigma::testing
