// One test per Sigma modifier (specification v2.1 appendix), each with events that must and must
// not match, run on all three engines (compiled with prefilter, index only, evaluate everything).
#include "sigma/modifiers.h"

#include <set>

#include "sigma_test_util.h"

namespace tansa::sigma::testing {
namespace {

void expect(const std::string& yaml, const EventBuilder& e, bool want, Options base = {}) {
  for (Options o : engines()) {
    o.placeholders = base.placeholders;
    Compiled c(yaml, o);
    EXPECT_EQ(c.fires(e), want) << yaml << "(prefilter " << o.prefilter << ", index " << o.index
                                << ")";
  }
}
#define FIRES(y, e) expect((y), (e), true)
#define SILENT(y, e) expect((y), (e), false)

TEST(Modifiers, PlainValueIsWholeValueCaseInsensitive) {
  const auto r = rule("    Image: 'C:\\Windows\\System32\\cmd.exe'");
  FIRES(r, EventBuilder().s("Image", "c:\\windows\\system32\\CMD.EXE"));
  SILENT(r, EventBuilder().s("Image", "C:\\Windows\\System32\\cmd.exe.bak"));
  SILENT(r, EventBuilder().s("Image", "x C:\\Windows\\System32\\cmd.exe"));
  SILENT(r, EventBuilder().s("Other", "C:\\Windows\\System32\\cmd.exe"));
}

TEST(Modifiers, Contains) {
  const auto r = rule("    CommandLine|contains: ' -EncodedCommand '");
  FIRES(r, EventBuilder().s("CommandLine", "powershell -encodedcommand ZQBj"));
  SILENT(r, EventBuilder().s("CommandLine", "powershell -enc ZQBj"));
}

TEST(Modifiers, StartswithEndswith) {
  FIRES(rule("    Image|startswith: 'C:\\Users\\'"),
        EventBuilder().s("Image", "c:\\users\\bob\\a.exe"));
  SILENT(rule("    Image|startswith: 'C:\\Users\\'"),
         EventBuilder().s("Image", "D:\\c:\\users\\a.exe"));
  FIRES(rule("    Image|endswith: '\\rundll32.exe'"),
        EventBuilder().s("Image", "C:\\W\\RUNDLL32.EXE"));
  SILENT(rule("    Image|endswith: '\\rundll32.exe'"),
         EventBuilder().s("Image", "C:\\W\\rundll32.exe.tmp"));
}

TEST(Modifiers, TrailingBackslashStaysLiteralAndTheAddedWildcardWorks) {
  // pySigma#431: '\Desktop\' with contains is *, \Desktop\, * and not an escaped star.
  const auto r = rule("    TargetFilename|contains: '\\Desktop\\'");
  FIRES(r, EventBuilder().s("TargetFilename", "C:\\Users\\a\\Desktop\\x.txt"));
  SILENT(r, EventBuilder().s("TargetFilename", "C:\\Users\\a\\Desktop*"));
}

TEST(Modifiers, ListsAreOrAndAllMakesThemAnd) {
  const auto any = rule("    CommandLine|contains:\n      - 'vssadmin'\n      - 'wbadmin'");
  FIRES(any, EventBuilder().s("CommandLine", "wbadmin delete"));
  SILENT(any, EventBuilder().s("CommandLine", "bcdedit"));
  const auto all = rule("    CommandLine|contains|all:\n      - 'delete'\n      - 'shadows'");
  FIRES(all, EventBuilder().s("CommandLine", "vssadmin delete shadows /all"));
  SILENT(all, EventBuilder().s("CommandLine", "vssadmin delete"));
}

TEST(Modifiers, Cased) {
  const auto r = rule("    CommandLine|cased|contains: 'SeDebugPrivilege'");
  FIRES(r, EventBuilder().s("CommandLine", "enable SeDebugPrivilege now"));
  SILENT(r, EventBuilder().s("CommandLine", "enable sedebugprivilege now"));
}

TEST(Modifiers, Base64) {
  // base64("secret") = c2VjcmV0
  const auto r = rule("    CommandLine|base64: 'secret'");
  FIRES(r, EventBuilder().s("CommandLine", "c2VjcmV0"));
  SILENT(r, EventBuilder().s("CommandLine", "secret"));
  FIRES(rule("    CommandLine|base64|contains: 'secret'"),
        EventBuilder().s("CommandLine", "x c2VjcmV0 y"));
}

TEST(Modifiers, Base64OffsetHasThreeTrimmedVariants) {
  // The specification's example: foobar -> Zm9vYmFy, Zvb2Jhc, mb29iYX.
  const auto r = rule("    CommandLine|base64offset|contains: 'foobar'");
  FIRES(r, EventBuilder().s("CommandLine", "-enc Zm9vYmFy"));
  FIRES(r, EventBuilder().s("CommandLine", "-enc eFoobarZvb2Jhcg=="));
  FIRES(r, EventBuilder().s("CommandLine", "-enc eHhmb29iYXI="));
  SILENT(r, EventBuilder().s("CommandLine", "-enc Zm9vYmF"));
}

TEST(Modifiers, WideThenBase64EncodesUtf16First) {
  // base64(utf16le("ab")) = YQBiAA==
  FIRES(rule("    CommandLine|wide|base64: 'ab'"), EventBuilder().s("CommandLine", "YQBiAA=="));
  FIRES(rule("    CommandLine|utf16le|base64: 'ab'"), EventBuilder().s("CommandLine", "YQBiAA=="));
  // utf16be("ab") = 00 61 00 62 -> AGEAYg==
  FIRES(rule("    CommandLine|utf16be|base64: 'ab'"), EventBuilder().s("CommandLine", "AGEAYg=="));
  // utf16 = BOM FF FE then LE: FF FE 61 00 62 00 -> //5hAGIA
  FIRES(rule("    CommandLine|utf16|base64: 'ab'"), EventBuilder().s("CommandLine", "//5hAGIA"));
  SILENT(rule("    CommandLine|wide|base64: 'ab'"), EventBuilder().s("CommandLine", "YWI="));
}

TEST(Modifiers, WideBeforeBase64OffsetEncodesUtf16First) {
  // utf16le("ab") = 61 00 62 00; its three offset encodings are YQBiA, EAYg and hAGIA.
  const auto r = rule("    CommandLine|wide|base64offset|contains: 'ab'");
  FIRES(r, EventBuilder().s("CommandLine", "-enc YQBiAA=="));  // offset 0
  FIRES(r, EventBuilder().s("CommandLine", "-enc IGEAYgA="));  // offset 1: " ab" -> IGEAYgA=
  FIRES(r, EventBuilder().s("CommandLine", "-enc ICBhAGIA"));  // offset 2: "  ab" -> ICBhAGIA
  SILENT(r, EventBuilder().s("CommandLine", "-enc YWI="));     // "ab" in UTF-8, not UTF-16
}

TEST(Modifiers, WindashExpandsDashesThatStartAWord) {
  const auto r = rule("    CommandLine|windash|contains: ' -exec bypass'");
  FIRES(r, EventBuilder().s("CommandLine", "powershell -exec bypass"));
  FIRES(r, EventBuilder().s("CommandLine", "powershell /exec bypass"));
  FIRES(r, EventBuilder().s("CommandLine",
                            "powershell \xe2\x80\x93"
                            "exec bypass"));  // en dash
  FIRES(r, EventBuilder().s("CommandLine",
                            "powershell \xe2\x80\x94"
                            "exec bypass"));  // em dash
  FIRES(r, EventBuilder().s("CommandLine",
                            "powershell \xe2\x80\x95"
                            "exec bypass"));  // horizontal bar
  SILENT(r, EventBuilder().s("CommandLine", "powershell _exec bypass"));
  // Only a dash after a non-word character is expanded: "a-b" keeps its dash.
  const auto inner = rule("    CommandLine|windash|contains: 'a-b'");
  SILENT(inner, EventBuilder().s("CommandLine", "a/b"));
  FIRES(inner, EventBuilder().s("CommandLine", "a-b"));
}

TEST(Modifiers, RegexIsCaseSensitiveUnanchoredSearch) {
  const auto r = rule("    CommandLine|re: 'Invoke-[A-Z][a-z]+'");
  FIRES(r, EventBuilder().s("CommandLine", "x; Invoke-Mimikatz -dump"));
  SILENT(r, EventBuilder().s("CommandLine", "x; invoke-mimikatz -dump"));
  FIRES(rule("    CommandLine|re|i: 'invoke-[a-z]+'"), EventBuilder().s("CommandLine", "INVOKE-X"));
  FIRES(rule("    CommandLine|re: '^a$'"), EventBuilder().s("CommandLine", "a"));
  SILENT(rule("    CommandLine|re: '^a$'"), EventBuilder().s("CommandLine", "a\nb"));
  FIRES(rule("    CommandLine|re|m: '^b$'"), EventBuilder().s("CommandLine", "a\nb"));
  SILENT(rule("    CommandLine|re: 'a.b'"), EventBuilder().s("CommandLine", "a\nb"));
  FIRES(rule("    CommandLine|re|s: 'a.b'"), EventBuilder().s("CommandLine", "a\nb"));
  // Sigma wildcards mean nothing inside a regex.
  SILENT(rule("    CommandLine|re: 'a*b'"), EventBuilder().s("CommandLine", "xyz"));
}

TEST(Modifiers, RegexWithContainsStartswithEndswith) {
  FIRES(rule("    CommandLine|re|contains: 'a[0-9]b'"),
        EventBuilder().s("CommandLine", "xx a1b yy"));
  FIRES(rule("    CommandLine|re|startswith: 'a[0-9]b'"),
        EventBuilder().s("CommandLine", "a1b yy"));
  SILENT(rule("    CommandLine|re|startswith: 'a[0-9]b'"),
         EventBuilder().s("CommandLine", "x a1b"));
  FIRES(rule("    CommandLine|re|endswith: 'a[0-9]b'"), EventBuilder().s("CommandLine", "x a1b"));
  SILENT(rule("    CommandLine|re|endswith: 'a[0-9]b'"), EventBuilder().s("CommandLine", "a1b x"));
  Compiled bad(rule("    CommandLine|re|base64: 'x'"), {}, true);
  EXPECT_EQ(bad.rejected().size(), 1u);
}

TEST(Modifiers, RegexTheLinearEngineCannotRunIsRejectedWithAReason) {
  Compiled c(rule("    CommandLine|re: '(a)\\1'"), {}, true);
  ASSERT_EQ(c.rejected().size(), 1u);
  EXPECT_EQ(c.rejected()[0].category, "unsupported regex");
  EXPECT_NE(c.rejected()[0].reason.find("RE2"), std::string::npos);
  Compiled look(rule("    CommandLine|re: 'a(?=b)'"), {}, true);
  EXPECT_EQ(look.rejected().size(), 1u);
}

TEST(Modifiers, Cidr) {
  const auto r = rule("    DestinationIp|cidr: '10.0.0.0/8'");
  FIRES(r, EventBuilder().s("DestinationIp", "10.20.30.40"));
  SILENT(r, EventBuilder().s("DestinationIp", "11.0.0.1"));
  SILENT(r, EventBuilder().s("DestinationIp", "not an ip"));
  const auto v6 = rule("    DestinationIp|cidr: 'fe80::/10'");
  FIRES(v6, EventBuilder().s("DestinationIp", "fe80::1"));
  SILENT(v6, EventBuilder().s("DestinationIp", "2001:db8::1"));
  const auto odd = rule("    DestinationIp|cidr: '192.168.1.0/23'");  // host bits are cleared
  FIRES(odd, EventBuilder().s("DestinationIp", "192.168.0.7"));
  SILENT(odd, EventBuilder().s("DestinationIp", "192.168.2.7"));
}

TEST(Modifiers, Exists) {
  const auto yes = rule("    User|exists: true");
  FIRES(yes, EventBuilder().s("User", ""));
  FIRES(yes, EventBuilder().null("User"));
  SILENT(yes, EventBuilder().s("Other", "x"));
  const auto no = rule("    User|exists: false");
  FIRES(no, EventBuilder().s("Other", "x"));
  SILENT(no, EventBuilder().s("User", "x"));
}

TEST(Modifiers, FieldRef) {
  const auto r = rule("    SourceUser|fieldref: TargetUser");
  FIRES(r, EventBuilder().s("SourceUser", "Bob").s("TargetUser", "bob"));
  SILENT(r, EventBuilder().s("SourceUser", "Bob").s("TargetUser", "alice"));
  SILENT(r, EventBuilder().s("SourceUser", "Bob"));
  const auto c = rule("    CommandLine|fieldref|contains: Image");
  FIRES(c, EventBuilder().s("CommandLine", "\"c:\\a.exe\" -x").s("Image", "C:\\a.exe"));
  SILENT(c, EventBuilder().s("CommandLine", "b.exe").s("Image", "C:\\a.exe"));
  FIRES(rule("    CommandLine|fieldref|startswith: Image"),
        EventBuilder().s("CommandLine", "a.exe -x").s("Image", "a.exe"));
  FIRES(rule("    CommandLine|fieldref|endswith: Image"),
        EventBuilder().s("CommandLine", "run a.exe").s("Image", "a.exe"));
}

TEST(Modifiers, NumericComparisons) {
  FIRES(rule("    Size|gt: 100"), EventBuilder().i("Size", 101));
  SILENT(rule("    Size|gt: 100"), EventBuilder().i("Size", 100));
  FIRES(rule("    Size|gte: 100"), EventBuilder().i("Size", 100));
  FIRES(rule("    Size|lt: 100"), EventBuilder().s("Size", "99"));
  SILENT(rule("    Size|lt: 100"), EventBuilder().s("Size", "abc"));
  FIRES(rule("    Size|lte: 1.5"), EventBuilder().s("Size", "1.5"));
  Compiled bad(rule("    Size|gt: 'many'"), {}, true);
  EXPECT_EQ(bad.rejected().size(), 1u);
}

TEST(Modifiers, NeqNegatesTheItem) {
  const auto r = rule("    Status|neq:\n      - 'ok'\n      - 'fine'");
  FIRES(r, EventBuilder().s("Status", "failed"));
  SILENT(r, EventBuilder().s("Status", "OK"));
  SILENT(r, EventBuilder().s("Status", "fine"));
}

TEST(Modifiers, ExpandUsesThePlaceholderValues) {
  Options o;
  o.placeholders["Admins"] = {"alice", "bob*"};
  const auto r = rule("    User|expand: '%Admins%'");
  for (Options e : engines()) {
    e.placeholders = o.placeholders;
    Compiled c(r, e);
    EXPECT_TRUE(c.fires(EventBuilder().s("User", "alice")));
    EXPECT_TRUE(c.fires(EventBuilder().s("User", "bobby")));
    EXPECT_FALSE(c.fires(EventBuilder().s("User", "carol")));
  }
  Compiled missing(r, {}, true);
  ASSERT_EQ(missing.rejected().size(), 1u);
  EXPECT_EQ(missing.rejected()[0].category, "unresolved placeholder");
  EXPECT_NE(missing.rejected()[0].reason.find("%Admins%"), std::string::npos);
}

TEST(Modifiers, TimeParts) {
  // 2024-01-05T03:12:44Z is a Friday in ISO week 1.
  EventBuilder e;
  e.s("UtcTime", "2024-01-05 03:12:44.123");
  FIRES(rule("    UtcTime|minute: 12"), e);
  FIRES(rule("    UtcTime|hour: 3"), e);
  FIRES(rule("    UtcTime|day: 5"), e);
  FIRES(rule("    UtcTime|week: 1"), e);
  FIRES(rule("    UtcTime|month: 1"), e);
  FIRES(rule("    UtcTime|year: 2024"), e);
  SILENT(rule("    UtcTime|hour: 4"), e);
  // ISO week of 2021-01-03 (a Sunday) is week 53 of 2020.
  FIRES(rule("    UtcTime|week: 53"), EventBuilder().s("UtcTime", "2021-01-03T10:00:00Z"));
  // Zone offsets are honoured: 01:00+02:00 is 23:00 UTC the day before.
  FIRES(rule("    UtcTime|hour: 23"), EventBuilder().s("UtcTime", "2024-01-05T01:00:00+02:00"));
}

TEST(Modifiers, UnknownModifierIsRejectedWithItsName) {
  Compiled c(rule("    Image|sortof: 'x'"), {}, true);
  ASSERT_EQ(c.rejected().size(), 1u);
  EXPECT_EQ(c.rejected()[0].category, "unknown modifier");
  EXPECT_NE(c.rejected()[0].reason.find("sortof"), std::string::npos);
}

TEST(Modifiers, ArraysMatchWhenAnyElementMatches) {
  const auto r = rule("    Data|contains: 'evil'");
  FIRES(r, EventBuilder().arr("Data", {"good", "very evil"}));
  SILENT(r, EventBuilder().arr("Data", {"good", "fine"}));
}

// Combinations the Sigma specification does not define are rejected, naming both modifiers, rather
// than one of them silently winning (the table in src/sigma/modifiers.h).
TEST(Modifiers, CombinationsTheSpecificationDoesNotDefineAreRejectedNamingBoth) {
  const std::vector<std::pair<std::string, std::string>> undefined = {{"re", "cidr"},
                                                                      {"lt", "gt"},
                                                                      {"exists", "contains"},
                                                                      {"contains", "endswith"},
                                                                      {"startswith", "endswith"},
                                                                      {"cidr", "contains"},
                                                                      {"base64", "base64offset"},
                                                                      {"wide", "utf16be"},
                                                                      {"re", "cased"},
                                                                      {"re", "expand"},
                                                                      {"re", "windash"},
                                                                      {"re", "base64"},
                                                                      {"fieldref", "re"},
                                                                      {"fieldref", "base64"},
                                                                      {"minute", "hour"},
                                                                      {"lt", "cidr"},
                                                                      {"exists", "neq"},
                                                                      {"all", "exists"},
                                                                      {"gt", "minute"},
                                                                      {"cidr", "fieldref"},
                                                                      {"lte", "windash"},
                                                                      {"exists", "cidr"}};
  for (const auto& [a, b] : undefined) {
    Compiled c(rule("    CommandLine|" + a + "|" + b + ": '1'"), {}, true);
    ASSERT_EQ(c.rejected().size(), 1u) << a << "|" << b;
    EXPECT_EQ(c.rejected()[0].category, "unsupported modifier combination") << a << "|" << b;
    EXPECT_EQ(c.rejected()[0].reason,
              "modifiers '" + a + "' and '" + b +
                  "' cannot be combined: the Sigma specification does not define what they "
                  "mean together");
  }
  Compiled twice(rule("    CommandLine|contains|contains: 'x'"), {}, true);
  ASSERT_EQ(twice.rejected().size(), 1u);
  EXPECT_EQ(twice.rejected()[0].reason, "modifier 'contains' is given twice");
  Compiled flag(rule("    CommandLine|i|re: 'x'"), {}, true);
  ASSERT_EQ(flag.rejected().size(), 1u);
  EXPECT_EQ(flag.rejected()[0].reason, "modifier 'i' is only allowed after 're'");
  Compiled keyword(rule("    - '|exists': true"), {}, true);
  ASSERT_EQ(keyword.rejected().size(), 1u);
  EXPECT_EQ(keyword.rejected()[0].reason, "modifier 'exists' needs a field name");
}

// Every combination the table defines compiles (those SigmaHQ's rules use among them; the
// SigmaHQ regression test compiles all of theirs).
TEST(Modifiers, CombinationsTheTableDefinesCompile) {
  for (const std::string mods : {"contains|all",
                                 "contains|windash",
                                 "windash|contains",
                                 "contains|expand",
                                 "base64offset|contains",
                                 "endswith|windash",
                                 "wide|base64offset|contains",
                                 "re|i",
                                 "base64|contains",
                                 "re|contains",
                                 "re|startswith",
                                 "re|i|contains",
                                 "re|i|m|s",
                                 "re|neq",
                                 "fieldref|contains",
                                 "fieldref|cased",
                                 "cased|contains",
                                 "cased|windash",
                                 "neq|contains",
                                 "all|neq|endswith",
                                 "utf16|base64",
                                 "utf16be|base64offset|contains"}) {
    Options o;
    o.placeholders["p"] = {"v"};
    Compiled c(rule("    CommandLine|" + mods + ": ['%p%x', 'y']"), o, true);
    EXPECT_TRUE(c.rejected().empty()) << mods << ": " << c.rejected()[0].reason;
  }
  for (const std::string mods : {"cidr|neq", "cidr|all"}) {
    Compiled c(rule("    Ip|" + mods + ": '10.0.0.0/8'"), {}, true);
    EXPECT_TRUE(c.rejected().empty()) << mods;
  }
  for (const std::string mods : {"gt|all", "lte|neq", "hour|neq", "year|all"}) {
    Compiled c(rule("    Size|" + mods + ": 3"), {}, true);
    EXPECT_TRUE(c.rejected().empty()) << mods;
  }
}

// The table is the one list of modifiers: every name in it is known, and the relation is the
// same both ways round.
TEST(Modifiers, TheTableNamesEveryModifierOnceAndCombinesSymmetrically) {
  std::set<std::string_view> names;
  for (const ModifierSpec& m : modifier_table()) {
    EXPECT_TRUE(names.insert(m.name).second) << m.name;
    EXPECT_EQ(find_modifier(m.name), &m);
  }
  EXPECT_EQ(names.size(), 34u);
  EXPECT_EQ(find_modifier("sortof"), nullptr);
  for (const ModifierSpec& a : modifier_table())
    for (const ModifierSpec& b : modifier_table())
      EXPECT_EQ(modifiers_combine(a.kind, b.kind), modifiers_combine(b.kind, a.kind))
          << a.name << " " << b.name;
}

}  // namespace
}  // namespace tansa::sigma::testing
