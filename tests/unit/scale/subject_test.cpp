// Host names from logs become NATS subject tokens: nothing a log holds may add a token, a
// wildcard or a space to a subject, and distinct hosts stay distinct.
#include "scale/subject.h"

#include <gtest/gtest.h>

#include <string>

namespace tansa::scale {
namespace {

bool safe_token(const std::string& t) {
  if (t.empty() || t.size() > kMaxToken) return false;
  for (unsigned char c : t)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-' || c == '%' || c == '~'))
      return false;
  return true;
}

TEST(HostToken, PlainNamesAreKeptAsTheyAre) {
  EXPECT_EQ(host_token("web-01_a"), "web-01_a");
  EXPECT_EQ(raw_subject("web1"), "tansa.raw.web1");
}

TEST(HostToken, DotsWildcardsSpacesAndControlBytesAreEscaped) {
  EXPECT_EQ(host_token("web1.example.org"), "web1%2Eexample%2Eorg");
  EXPECT_EQ(host_token("a*b>c d"), "a%2Ab%3Ec%20d");
  EXPECT_EQ(host_token(std::string("x\0y\n", 4)), "x%00y%0A");
  EXPECT_EQ(host_token("%"), "%25");  // the escape character itself, so escapes stay unique
  EXPECT_TRUE(safe_token(host_token("\xff\xfe.>*")));
}

TEST(HostToken, AnEmptyHostStillMakesAWholeSubject) {
  EXPECT_EQ(host_token(""), "%00");
}

TEST(HostToken, LongNamesAreCutWithAHashSoTheyStayDistinct) {
  const std::string a(5000, 'a'), b = std::string(4999, 'a') + "b";
  const std::string ta = host_token(a), tb = host_token(b);
  EXPECT_TRUE(safe_token(ta));
  EXPECT_TRUE(safe_token(tb));
  EXPECT_EQ(ta.size(), kMaxToken);
  EXPECT_NE(ta, tb);
  const std::string dots(1000, '.');
  EXPECT_TRUE(safe_token(host_token(dots)));
}

TEST(HeaderValue, ControlBytesAreReplacedAndLengthIsBounded) {
  EXPECT_EQ(header_value("/var/log/a\r\nInjected: x"), "/var/log/a??Injected: x");
  const std::string longer(10000, 'p');
  EXPECT_EQ(header_value(longer).size(), kMaxHeader);
  EXPECT_NE(header_value(longer), header_value(longer + "q"));
}

TEST(StreamDescription, RecordsThePartitionCount) {
  EXPECT_EQ(partitions_of_description(stream_description(12)), 12u);
  EXPECT_EQ(partitions_of_description("made by someone else"), 0u);
  EXPECT_EQ(partitions_of_description("partitions=99999999999999"), 0u);
  EXPECT_EQ(partition_filter(3), "tansa.part.3.*");
  EXPECT_EQ(mapping_line(8),
            "mappings { \"tansa.raw.*\": \"tansa.part.{{partition(8,1)}}.{{wildcard(1)}}\" }");
}

}  // namespace
}  // namespace tansa::scale
