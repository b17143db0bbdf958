// Cutting TCP streams into syslog messages: both framings, any split of the bytes, bounds.
#include "watch/framing.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tansa::watch {
namespace {

using Msgs = std::vector<std::string>;

Msgs frame(Framer::Mode mode, const std::vector<std::string>& reads, std::size_t max = 1024) {
  Framer f(mode, max);
  Msgs out;
  auto on = [&](std::string_view m) { out.emplace_back(m); };
  for (const auto& r : reads) f.feed(r, on);
  f.finish(on);
  return out;
}

TEST(FramingTest, NewlineFramedMessages) {
  EXPECT_EQ(frame(Framer::Mode::Syslog, {"<34>Jan  5 a\n<34>Jan  5 b\r\n"}),
            (Msgs{"<34>Jan  5 a", "<34>Jan  5 b"}));
}

TEST(FramingTest, OctetCountedMessagesMayHoldNewlines) {
  EXPECT_EQ(frame(Framer::Mode::Syslog, {"5 ab\ncd3 xyz"}), (Msgs{"ab\ncd", "xyz"}));
}

TEST(FramingTest, BothFramingsMixOnOneStream) {
  EXPECT_EQ(frame(Framer::Mode::Syslog, {"3 abc<1>line\n2 de"}), (Msgs{"abc", "<1>line", "de"}));
}

TEST(FramingTest, EverySplitOfTheBytesGivesTheSameMessages) {
  const std::string all = "11 <34>1 hello<13>plain line\n4 abcd<5>x\n";
  const Msgs want = frame(Framer::Mode::Syslog, {all});
  ASSERT_EQ(want, (Msgs{"<34>1 hello", "<13>plain line", "abcd", "<5>x"}));
  for (std::size_t a = 0; a <= all.size(); ++a)
    for (std::size_t b = a; b <= all.size(); ++b)
      EXPECT_EQ(
          frame(Framer::Mode::Syslog, {all.substr(0, a), all.substr(a, b - a), all.substr(b)}),
          want)
          << a << "," << b;
}

TEST(FramingTest, AnOverLongCountedMessageIsCutAndTheStreamGoesOn) {
  Framer f(Framer::Mode::Syslog, 8);
  Msgs out;
  f.feed("12 0123456789ab<1>ok\n", [&](std::string_view m) { out.emplace_back(m); });
  EXPECT_EQ(out, (Msgs{"01234567", "<1>ok"}));
  EXPECT_EQ(f.truncated(), 1u);
}

TEST(FramingTest, AnOverLongLineIsCutAndTheRestSkipped) {
  Framer f(Framer::Mode::Lines, 4);
  Msgs out;
  f.feed("abcdefgh\nxy\n", [&](std::string_view m) { out.emplace_back(m); });
  EXPECT_EQ(out, (Msgs{"abcd", "xy"}));
}

TEST(FramingTest, ACountThatIsNotOneSwitchesTheStreamToLines) {
  Framer f(Framer::Mode::Syslog, 64);
  Msgs out;
  f.feed("2024-01-05 line one\nsecond\n", [&](std::string_view m) { out.emplace_back(m); });
  EXPECT_EQ(out, (Msgs{"2024-01-05 line one", "second"}));
  EXPECT_EQ(f.bad_counts(), 1u);
}

TEST(FramingTest, LinesModeNeverReadsCounts) {
  EXPECT_EQ(frame(Framer::Mode::Lines, {"3 abc\n{\"a\":1}\n"}), (Msgs{"3 abc", "{\"a\":1}"}));
}

TEST(FramingTest, BufferedBytesStayBounded) {
  Framer f(Framer::Mode::Lines, 16);
  const std::string junk(100000, 'x');
  f.feed(junk, [](std::string_view) {});
  EXPECT_LE(f.buffered(), 16u);
}

}  // namespace
}  // namespace tansa::watch
