// Prometheus label values are log text (file paths, listener names): escaped, never breaking a
// line.
#include "watch/metrics.h"

#include <gtest/gtest.h>

namespace tansa::watch {
namespace {

TEST(MetricsTest, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(prometheus_label("/var/log/a\"b\\c\nd"), "/var/log/a\\\"b\\\\c\\nd");
}

TEST(MetricsTest, ABarePortIsRefused) {
  EXPECT_FALSE(MetricsServer::open("9100"));
}

TEST(MetricsTest, BindsTheAddressGiven) {
  auto m = MetricsServer::open("127.0.0.1:0");
  ASSERT_TRUE(m) << m.error();
  EXPECT_TRUE((*m)->name().starts_with("http 127.0.0.1:")) << (*m)->name();
}

}  // namespace
}  // namespace tansa::watch
