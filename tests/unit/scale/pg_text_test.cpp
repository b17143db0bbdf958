// Text bound for PostgreSQL: it refuses NUL bytes and invalid UTF-8, and a refused row would stop
// every worker on the same message, so both become U+FFFD and valid text passes unchanged.
#include <gtest/gtest.h>

#include <string>

#include "scale/pg.h"

namespace tansa::scale {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(PgText, ValidUtf8PassesUnchanged) {
  EXPECT_EQ(pg_text("plain ascii"), "plain ascii");
  EXPECT_EQ(pg_text("caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80");
}

TEST(PgText, NulAndInvalidBytesBecomeTheReplacementCharacter) {
  EXPECT_EQ(pg_text(std::string("a\0b", 3)), "a" + kReplacement + "b");
  EXPECT_EQ(pg_text("\xFF"), kReplacement);
  EXPECT_EQ(pg_text("\xC3"), kReplacement);                                        // cut sequence
  EXPECT_EQ(pg_text("\xC0\xAF"), kReplacement + kReplacement);                     // overlong
  EXPECT_EQ(pg_text("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);  // surrogate
  EXPECT_EQ(pg_text("\xF4\x90\x80\x80").substr(0, 3), kReplacement);               // above U+10FFFF
}

}  // namespace
}  // namespace tansa::scale
