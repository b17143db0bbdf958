// Following an EVTX file as Windows writes it (watch PATH.evtx): new records once each, in record
// order, whether the file grows in place or a copy replaces it; a chunk header that lags behind
// its records; a cleared log; a checkpoint; --from-end.
#include "watch/follow_evtx.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "evtx/reader.h"
#include "evtx/writer.h"

namespace tansa::watch {
namespace {

namespace fs = std::filesystem;

class FollowEvtxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tansa-follow-evtx-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "Security.evtx").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A log of records 1..n (each `pad` characters of payload), written in place, or as a copy
  // renamed over the file (another inode), as a collector's share does.
  static std::vector<std::uint8_t> log_bytes(int n, std::size_t pad = 16) {
    evtx::EvtxWriter w;
    for (int i = 1; i <= n; ++i) {
      evtx::EventSpec e;
      e.event_id = 4625;
      e.time =
          evtx::make_filetime(2024, 3, 14, 9, 0, 0) + static_cast<std::uint64_t>(i) * 10'000'000;
      e.data = {{"TargetUserName", evtx::WValue::str("user" + std::to_string(i))},
                {"Pad", evtx::WValue::str(std::string(pad, 'x'))}};
      w.add(e);
    }
    return w.finish();
  }
  void write_in_place(const std::vector<std::uint8_t>& bytes) {
    std::fstream f(path_, std::ios::binary | std::ios::in | std::ios::out);
    if (!f) f.open(path_, std::ios::binary | std::ios::out);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  }
  void replace_with_copy(const std::vector<std::uint8_t>& bytes) {
    const std::string tmp = path_ + ".tmp";
    std::ofstream(tmp, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    fs::rename(tmp, path_);
  }

  // Records delivered by one poll, by id; `more` set when the poll left work.
  std::vector<std::uint64_t> poll(EvtxFollower& f, bool* more = nullptr,
                                  std::size_t max_chunks = 16) {
    std::vector<std::uint64_t> ids;
    const std::size_t n = f.poll(
        [&](const Event& e) {
          EXPECT_EQ(e.source.kind, SourceRef::Kind::Record);
          EXPECT_EQ(e.source.file, 7u);
          ids.push_back(e.source.position);
        },
        7, max_chunks);
    if (more) *more = n > ids.size();
    return ids;
  }
  static std::vector<std::uint64_t> range(std::uint64_t from, std::uint64_t to) {
    std::vector<std::uint64_t> v;
    for (std::uint64_t i = from; i <= to; ++i) v.push_back(i);
    return v;
  }

  fs::path dir_;
  std::string path_;
  std::vector<std::string> notes_;
  NoteFn note_ = [this](const std::string& m) { notes_.push_back(m); };
};

TEST_F(FollowEvtxTest, NewRecordsOnceEachWhetherTheFileGrowsOrACopyReplacesIt) {
  write_in_place(log_bytes(3));
  EvtxFollower f(path_, std::nullopt, false, note_);
  EXPECT_EQ(poll(f), range(1, 3));
  EXPECT_TRUE(poll(f).empty());  // unchanged
  write_in_place(log_bytes(5));  // grown in place
  EXPECT_EQ(poll(f), range(4, 5));
  replace_with_copy(log_bytes(8));  // a fresh copy on the share: another inode
  EXPECT_EQ(poll(f), range(6, 8));
  EXPECT_EQ(f.position().offset, 9u);
  EXPECT_EQ(f.identity(), "e:" + path_ + ":0");
  EXPECT_TRUE(notes_.empty());
}

TEST_F(FollowEvtxTest, ManyChunksComeInRecordOrderAFewAtATime) {
  const auto bytes = log_bytes(200, 1500);
  ASSERT_GT(bytes.size(), evtx::kFileHeaderSize + 3 * evtx::kChunkSize);
  write_in_place(bytes);
  EvtxFollower f(path_, std::nullopt, false, note_);
  std::vector<std::uint64_t> all;
  bool more = true;
  int polls = 0;
  while (more && polls < 100) {
    auto ids = poll(f, &more, 1);
    all.insert(all.end(), ids.begin(), ids.end());
    ++polls;
  }
  EXPECT_EQ(all, range(1, 200));
  EXPECT_GT(polls, 3);  // one chunk per poll
}

TEST_F(FollowEvtxTest, ALaggingChunkHeaderDoesNotHideItsNewRecords) {
  auto bytes = log_bytes(6);
  // Windows updates the header of the chunk it is filling lazily: claim the last record is 2.
  bytes[evtx::kFileHeaderSize + 32] = 2;
  write_in_place(bytes);
  EvtxFollower f(path_, FilePosition{0, 0, 0, 3}, false, note_);  // a checkpoint: next is 3
  EXPECT_EQ(poll(f), range(3, 6));
  EXPECT_TRUE(notes_.empty());  // the newest chunk's checksum is not trusted while it fills
}

TEST_F(FollowEvtxTest, AClearedLogIsReadFromItsStartAsANewGeneration) {
  write_in_place(log_bytes(50));
  EvtxFollower f(path_, std::nullopt, false, note_);
  EXPECT_EQ(poll(f).size(), 50u);
  replace_with_copy(log_bytes(2));  // cleared: ids start again
  bool more = false;
  EXPECT_TRUE(poll(f, &more).empty());
  EXPECT_TRUE(more);
  EXPECT_EQ(f.identity(), "e:" + path_ + ":1");
  EXPECT_EQ(poll(f), range(1, 2));
  ASSERT_EQ(notes_.size(), 1u);
  EXPECT_NE(notes_[0].find("cleared or replaced"), std::string::npos) << notes_[0];
}

TEST_F(FollowEvtxTest, FromEndReadsOnlyWhatIsWrittenAfterTheStart) {
  write_in_place(log_bytes(4));
  EvtxFollower f(path_, std::nullopt, true, note_);
  EXPECT_TRUE(poll(f).empty());  // the first look places the start after record 4
  EXPECT_TRUE(poll(f).empty());
  write_in_place(log_bytes(6));
  EXPECT_EQ(poll(f), range(5, 6));
}

TEST_F(FollowEvtxTest, AMissingFileIsWaitedForAndAnotherFormatIsSaidOnce) {
  EvtxFollower f(path_, std::nullopt, false, note_);
  EXPECT_TRUE(poll(f).empty());
  EXPECT_TRUE(poll(f).empty());
  ASSERT_EQ(notes_.size(), 1u);
  EXPECT_NE(notes_[0].find("not there"), std::string::npos);
  std::ofstream(path_) << "Mar 14 09:00:00 host sshd[1]: hello\n";
  EXPECT_TRUE(poll(f).empty());
  std::ofstream(path_, std::ios::app) << "more\n";
  EXPECT_TRUE(poll(f).empty());
  ASSERT_EQ(notes_.size(), 2u);
  EXPECT_NE(notes_[1].find("not an EVTX file"), std::string::npos);
}

}  // namespace
}  // namespace tansa::watch
