// What `tansa watch` keeps across restarts, in one SQLite file (--state):
// - per followed path: its position (device, inode, truncation generation, offset of the next
//   unread line) and the replay position (same file, earlier offset) from which re-reading
//   rebuilds the correlation state;
// - the keys of the detections written (rule and event identity), so that re-reading after a
//   restart never writes one twice;
// - how long the detections file was after the last detection recorded: a detection written but
//   not recorded (killed between the two) is cut off at start and written again, so the file never
//   holds one twice and loses none.
// WAL journal, synchronous NORMAL: a kill -9 loses nothing committed (a power cut may lose the
// last transactions, never corrupt the file). Every statement's result is checked; a failure is an
// error the caller stops on, never an empty answer.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "watch/follow.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tansa::watch {

struct FileCheckpoint {
  std::string path;
  FilePosition at;                // where reading resumes
  std::uint64_t replay_from = 0;  // offset in the same file where re-reading starts (<= at.offset)
  std::uint64_t fingerprint = 0;  // Follower::fingerprint(replay_from)
};

class State {
 public:
  // Opens or creates the file and its tables.
  [[nodiscard]] static std::expected<std::unique_ptr<State>, std::string> open(
      const std::string& path);
  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  [[nodiscard]] std::expected<std::vector<FileCheckpoint>, std::string> files();
  [[nodiscard]] std::expected<std::optional<std::uint64_t>, std::string> output_length();

  // One detection: records `key` and, when it was not known, calls `write` (which returns the
  // output's length after it) inside the same transaction. Returns whether it was written.
  [[nodiscard]] std::expected<bool, std::string> record(
      const std::string& key, std::int64_t now_ns,
      const std::function<std::optional<std::uint64_t>()>& write);
  // Whether `key` was recorded.
  [[nodiscard]] std::expected<bool, std::string> known(const std::string& key);

  // Positions of every followed file, in one transaction; keys recorded before `forget_before_ns`
  // (wall time) are dropped.
  [[nodiscard]] std::expected<void, std::string> checkpoint(
      const std::vector<FileCheckpoint>& files, std::int64_t forget_before_ns);

 private:
  State() = default;
  std::expected<void, std::string> exec(const char* sql);
  std::string error(const char* what) const;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_key_ = nullptr;
  sqlite3_stmt* find_key_ = nullptr;
  sqlite3_stmt* set_output_ = nullptr;
  sqlite3_stmt* upsert_file_ = nullptr;
};

}  // namespace tansa::watch
