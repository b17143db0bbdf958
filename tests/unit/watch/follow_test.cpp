// Following a file: appends, partial lines, rotation by rename and by copy-truncate, and resuming
// from a checkpoint (also when the file was replaced meanwhile).
#include "watch/follow.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace tansa::watch {
namespace {

namespace fs = std::filesystem;

class FollowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("tansa-follow-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    path = (dir / "app.log").string();
  }
  void TearDown() override { fs::remove_all(dir); }
  void append(const std::string& text, const std::string& to = "") {
    std::ofstream(to.empty() ? path : to, std::ios::app) << text;
  }
  // Polls until nothing is new; returns the lines read.
  std::vector<std::string> drain(Follower& f) {
    std::vector<std::string> out;
    for (int i = 0; i < 10; ++i)
      if (!f.poll([&](std::string_view line, std::uint64_t offset, const FilePosition& pos) {
            out.emplace_back(line);
            offsets.push_back(offset);
            last = pos;
          }))
        break;
    return out;
  }
  fs::path dir;
  std::string path;
  std::vector<std::uint64_t> offsets;
  FilePosition last;
  std::vector<std::string> notes;
  NoteFn note = [this](const std::string& n) { notes.push_back(n); };
};

using Lines = std::vector<std::string>;

TEST_F(FollowTest, ReadsAppendedLinesAndWaitsForAPartialLine) {
  append("one\ntw");
  Follower f(path, std::nullopt, false, note);
  EXPECT_EQ(drain(f), Lines{"one"});
  append("o\nthree\n");
  EXPECT_EQ(drain(f), (Lines{"two", "three"}));
  EXPECT_EQ(offsets, (std::vector<std::uint64_t>{0, 4, 8}));
  EXPECT_EQ(f.position().offset, 14u);
}

TEST_F(FollowTest, FromEndSkipsWhatWasThere) {
  append("old\n");
  Follower f(path, std::nullopt, true, note);
  EXPECT_TRUE(drain(f).empty());
  append("new\n");
  EXPECT_EQ(drain(f), Lines{"new"});
}

TEST_F(FollowTest, RotationByRenameReadsTheOldFileToItsEndThenTheNewOne) {
  append("a\n");
  Follower f(path, std::nullopt, false, note);
  EXPECT_EQ(drain(f), Lines{"a"});
  append("b\nlast-without-newline");
  fs::rename(path, path + ".1");
  append("c\n");
  EXPECT_EQ(drain(f), (Lines{"b", "last-without-newline", "c"}));
  EXPECT_EQ(f.position().offset, 2u);
  EXPECT_EQ(f.position().generation, 0u);
}

TEST_F(FollowTest, CopyTruncateStartsANewGenerationAtZero) {
  append("a\nb\n");
  Follower f(path, std::nullopt, false, note);
  EXPECT_EQ(drain(f), (Lines{"a", "b"}));
  fs::copy_file(path, path + ".1");
  fs::resize_file(path, 0);
  append("c\n");
  EXPECT_EQ(drain(f), Lines{"c"});
  EXPECT_EQ(f.position().generation, 1u);
  EXPECT_EQ(f.position().offset, 2u);
}

TEST_F(FollowTest, ResumesAtACheckpoint) {
  append("a\nb\n");
  FilePosition at;
  std::uint64_t fingerprint = 0;
  {
    Follower f(path, std::nullopt, false, note);
    drain(f);
    at = f.position();
    fingerprint = f.fingerprint(at.offset);
  }
  append("c\n");
  Follower g(path, at, false, note, fingerprint);
  EXPECT_EQ(drain(g), Lines{"c"}) << "the same file, grown: its first bytes match";
}

TEST_F(FollowTest, AFileRotatedWhileStoppedIsReadToItsEndBeforeTheNewOne) {
  append("a\n");
  FilePosition at;
  {
    Follower f(path, std::nullopt, false, note);
    drain(f);
    at = f.position();
  }
  append("b\n");
  fs::rename(path, path + ".1");
  append("c\n");
  Follower g(path, at, false, note);
  EXPECT_EQ(drain(g), (Lines{"b", "c"}));
}

TEST_F(FollowTest, AFileReplacedWhileStoppedAndGoneIsReadFromItsStart) {
  append("a\n");
  FilePosition at;
  std::uint64_t fingerprint = 0;
  {
    Follower f(path, std::nullopt, false, note);
    drain(f);
    at = f.position();
    fingerprint = f.fingerprint(at.offset);
  }
  fs::remove(path);
  append("new\n");  // the file system may well give it the same inode number
  Follower g(path, at, false, note, fingerprint);
  EXPECT_EQ(drain(g), Lines{"new"});
  ASSERT_FALSE(notes.empty());
}

TEST_F(FollowTest, AFileTruncatedWhileStoppedIsReadAgainAsANewGeneration) {
  append("aaaa\nbbbb\n");
  FilePosition at;
  {
    Follower f(path, std::nullopt, false, note);
    drain(f);
    at = f.position();
  }
  fs::resize_file(path, 0);
  append("c\n");
  Follower g(path, at, false, note);
  EXPECT_EQ(drain(g), Lines{"c"});
  EXPECT_EQ(g.position().generation, at.generation + 1);
}

TEST_F(FollowTest, AMissingFileIsWaitedFor) {
  Follower f(path, std::nullopt, false, note);
  EXPECT_TRUE(drain(f).empty());
  append("x\n");
  EXPECT_EQ(drain(f), Lines{"x"});
}

}  // namespace
}  // namespace tansa::watch
