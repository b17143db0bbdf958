#include "report/text.h"

#include <gtest/gtest.h>

namespace tansa::report {
namespace {

TEST(TerminalSafe, ControlCharactersBecomeVisible) {
  EXPECT_EQ(terminal_safe("plain text ü"), "plain text ü");
  EXPECT_EQ(terminal_safe("a\x1b[2Jb"), "a\\x1b[2Jb");
  EXPECT_EQ(terminal_safe("line\nbreak\rtab\t"), "line\\x0abreak\\x0dtab\\x09");
  EXPECT_EQ(terminal_safe("del\x7f"), "del\\x7f");
  EXPECT_EQ(terminal_safe("c1\xc2\x9b" "31m"), "c1\\x9b31m");           // 8-bit CSI
  EXPECT_EQ(terminal_safe("evil\xe2\x80\xaegnp.exe"), "evil\\u202egnp.exe");  // RTL override
  EXPECT_EQ(terminal_safe("bad\xff\xfe"), "bad\\xff\\xfe");
  EXPECT_EQ(terminal_safe("trunc\xe2\x80"), "trunc\\xe2\\x80");
}

TEST(CsvCell, FormulasCannotRun) {
  auto cell = [](std::string_view s) {
    std::string out;
    append_csv_cell(out, s);
    return out;
  };
  EXPECT_EQ(cell("plain"), "plain");
  EXPECT_EQ(cell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(cell("+cmd|' /C calc'!A0"), "\"'+cmd|' /C calc'!A0\"");
  EXPECT_EQ(cell("-2+3"), "\"'-2+3\"");
  EXPECT_EQ(cell("@SUM(A1)"), "\"'@SUM(A1)\"");
  EXPECT_EQ(cell("\t=1"), "\"'\t=1\"");
  EXPECT_EQ(cell("\r=1"), "\"'\r=1\"");
  EXPECT_EQ(cell("a,b"), "\"a,b\"");
  EXPECT_EQ(cell("multi\nline"), "\"multi\nline\"");
  EXPECT_EQ(cell("x=1"), "x=1");
  EXPECT_EQ(cell("esc\x1b[2J"), "esc\\x1b[2J");  // only a leading character starts a formula
}

TEST(JsonString, EscapesAndRepairs) {
  auto js = [](std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
  };
  EXPECT_EQ(js("C:\\Windows"), "\"C:\\\\Windows\"");
  EXPECT_EQ(js("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
  EXPECT_EQ(js(std::string_view("\x01\x00", 2)), "\"\\u0001\\u0000\"");
  EXPECT_EQ(js("ok\xc3\x28"), "\"ok\\ufffd(\"");
  EXPECT_EQ(js("日本"), "\"日本\"");
}

TEST(Html, Escapes) {
  EXPECT_EQ(html_escaped("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
}

}  // namespace
}  // namespace tansa::report
