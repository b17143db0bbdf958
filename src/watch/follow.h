// Following one file as it grows, the way `tail -F` does, with positions that survive a restart.
//
// A file is known by its device and inode, not its name. Each poll():
// - reads what was appended since the last complete line (at most `max_bytes`, so a fast writer
//   cannot make one poll unbounded: back-pressure, the rest is read next time);
// - rotation by rename: when the path names another inode, the old one (still open) is read to
//   its end, then the new file is followed from its start;
// - copy-truncate: when the file is shorter than the position, it was truncated; the truncation
//   generation goes up by one and reading starts again at 0;
// - a partial last line waits for its newline (a rotated file's last partial line is taken as it
//   is).
// The position (device, inode, generation, offset of the next unread line) is what a checkpoint
// keeps; a Follower started from one resumes there, and when the path names another file (it was
// replaced while tansa was down) looks for the old inode beside it (auth.log.1) to read its rest
// first. Compressed rotated files are never opened: only the path given is followed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tansa::watch {

struct FilePosition {
  std::uint64_t dev = 0, ino = 0;
  std::uint64_t generation = 0;  // copy-truncations seen
  std::uint64_t offset = 0;      // of the next unread line
  friend bool operator==(const FilePosition&, const FilePosition&) = default;
};

// A complete line (without its newline), the byte offset where it starts, and the position of
// the file it came from (its offset is the line's end).
using LineFn =
    std::function<void(std::string_view line, std::uint64_t offset, const FilePosition& file)>;
// Something the operator should know (a rotation, a truncation, a file gone while down).
using NoteFn = std::function<void(const std::string&)>;

class Follower {
 public:
  // `start`: where a checkpoint left the file, with the fingerprint() it had there (0: none);
  // unset: its current end (new lines only) when `from_end`, else its start. A file with the
  // same device and inode whose first bytes differ from the fingerprint is another file (the
  // inode was reused): it is read from its start as a new generation.
  Follower(std::string path, std::optional<FilePosition> start, bool from_end, NoteFn note,
           std::uint64_t start_fingerprint = 0);
  ~Follower();
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // Reads what is new; returns the bytes consumed (0: nothing new).
  std::size_t poll(const LineFn& on_line, std::size_t max_bytes = std::size_t{1} << 20);

  [[nodiscard]] const std::string& path() const { return path_; }
  // Where the next unread line starts: what a checkpoint stores.
  [[nodiscard]] FilePosition position() const { return pos_; }
  [[nodiscard]] bool open() const { return fd_ >= 0; }
  // A hash of the open file's first min(upto, 256) bytes (0 when none can be read): what tells a
  // file from another that got the same inode number.
  [[nodiscard]] std::uint64_t fingerprint(std::uint64_t upto) const;

 private:
  bool reopen();
  void take_partial(const LineFn& on_line);

  std::string path_;
  NoteFn note_;
  int fd_ = -1;
  FilePosition pos_;
  bool pending_resume_ = false;  // pos_ came from a checkpoint and the file is not open yet
  bool from_end_ = false;
  bool missing_noted_ = false;
  std::uint64_t start_fingerprint_ = 0;
  std::string partial_;  // bytes after the last newline
};

}  // namespace tansa::watch
