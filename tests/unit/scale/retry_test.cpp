// Which failures to create a JetStream stream are waited out, and for how long: a cluster electing
// a leader (no answer) for a minute, one still forming (too few peers to place the replicas) for
// 20 seconds, anything else not at all.
#include <gtest/gtest.h>

#include <chrono>

#include "scale/nats.h"

namespace tansa::scale {
namespace {

using std::chrono::seconds;

TEST(StreamCreationRetried, ALeaderBeingElectedIsWaitedForAMinute) {
  EXPECT_TRUE(stream_creation_retried(NATS_TIMEOUT, jsErrCode(0), seconds(0)));
  EXPECT_TRUE(stream_creation_retried(NATS_NO_RESPONDERS, jsErrCode(0), seconds(59)));
  EXPECT_FALSE(stream_creation_retried(NATS_TIMEOUT, jsErrCode(0), seconds(60)));
}

TEST(StreamCreationRetried, TooFewPeersToPlaceTheReplicasIsWaitedFor20Seconds) {
  EXPECT_TRUE(stream_creation_retried(NATS_ERR, JSClusterNoPeersErr, seconds(0)));
  EXPECT_TRUE(stream_creation_retried(NATS_ERR, JSClusterNoPeersErr, seconds(19)));
  EXPECT_FALSE(stream_creation_retried(NATS_ERR, JSClusterNoPeersErr, seconds(20)));
}

TEST(StreamCreationRetried, OtherFailuresAreNotRetried) {
  EXPECT_FALSE(stream_creation_retried(NATS_ERR, JSStreamNameExistErr, seconds(0)));
  EXPECT_FALSE(stream_creation_retried(NATS_ERR, JSClusterNotActiveErr, seconds(0)));
  EXPECT_FALSE(stream_creation_retried(NATS_NOT_PERMITTED, jsErrCode(0), seconds(0)));
  EXPECT_FALSE(stream_creation_retried(NATS_OK, jsErrCode(0), seconds(0)));
}

}  // namespace
}  // namespace tansa::scale
