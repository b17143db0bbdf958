// The checkpoint file: positions and written detections survive reopening; a detection is
// written once.
#include "watch/state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace tansa::watch {
namespace {

namespace fs = std::filesystem;

std::string temp_db(const char* name) {
  const fs::path p =
      fs::temp_directory_path() / ("tansa-state-" + std::to_string(::getpid()) + "-" + name);
  fs::remove(p);
  fs::remove(p.string() + "-wal");
  fs::remove(p.string() + "-shm");
  return p.string();
}

TEST(StateTest, PositionsSurviveReopening) {
  const std::string db = temp_db("positions");
  {
    auto s = State::open(db);
    ASSERT_TRUE(s) << s.error();
    ASSERT_TRUE(
        (*s)->checkpoint({FileCheckpoint{"/var/log/auth.log", {1, 2, 3, 400}, 100, 77}}, 0));
  }
  auto s = State::open(db);
  ASSERT_TRUE(s);
  auto files = (*s)->files();
  ASSERT_TRUE(files);
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].path, "/var/log/auth.log");
  EXPECT_EQ((*files)[0].at, (FilePosition{1, 2, 3, 400}));
  EXPECT_EQ((*files)[0].replay_from, 100u);
  EXPECT_EQ((*files)[0].fingerprint, 77u);
  fs::remove(db);
}

TEST(StateTest, ADetectionIsWrittenOnceAcrossReopening) {
  const std::string db = temp_db("keys");
  int writes = 0;
  auto write = [&]() -> std::optional<std::uint64_t> { return ++writes * 10; };
  {
    auto s = State::open(db);
    ASSERT_TRUE(s);
    EXPECT_EQ((*s)->record("r|f:1:2:0|0", 5, write), true);
    EXPECT_EQ((*s)->record("r|f:1:2:0|0", 5, write), false);
  }
  auto s = State::open(db);
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->record("r|f:1:2:0|0", 5, write), false);
  EXPECT_EQ(writes, 1);
  auto len = (*s)->output_length();
  ASSERT_TRUE(len);
  EXPECT_EQ(**len, 10u);
  fs::remove(db);
}

TEST(StateTest, AFailedWriteRecordsNothing) {
  const std::string db = temp_db("failed");
  auto s = State::open(db);
  ASSERT_TRUE(s);
  auto r = (*s)->record("k", 5, [] { return std::optional<std::uint64_t>(); });
  EXPECT_FALSE(r);
  auto known = (*s)->known("k");
  ASSERT_TRUE(known);
  EXPECT_FALSE(*known);
  fs::remove(db);
}

TEST(StateTest, OldKeysAreForgottenAtCheckpoint) {
  const std::string db = temp_db("forget");
  auto s = State::open(db);
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->record("old", 5, [] { return std::optional<std::uint64_t>(1); }));
  ASSERT_TRUE((*s)->record("new", 50, [] { return std::optional<std::uint64_t>(2); }));
  ASSERT_TRUE((*s)->checkpoint({}, 10));
  EXPECT_FALSE(*(*s)->known("old"));
  EXPECT_TRUE(*(*s)->known("new"));
  fs::remove(db);
}

TEST(StateTest, AnUnwritableFileIsAnError) {
  auto s = State::open("/proc/tansa-no-such-dir/state.db");
  EXPECT_FALSE(s);
}

}  // namespace
}  // namespace tansa::watch
