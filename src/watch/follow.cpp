#include "watch/follow.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

namespace tansa::watch {

namespace {

// A line longer than this is cut there (bounded memory whatever the file holds).
constexpr std::size_t kMaxLine = std::size_t{1} << 20;

int open_read(const std::string& path) {
  return ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
}

// The file beside `path` (same folder) with this device and inode: where a rotated file went.
std::string find_inode_beside(const std::string& path, std::uint64_t dev, std::uint64_t ino) {
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  for (const auto& entry :
       std::filesystem::directory_iterator(dir.empty() ? std::filesystem::path(".") : dir, ec)) {
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<std::uint64_t>(st.st_dev) == dev &&
        static_cast<std::uint64_t>(st.st_ino) == ino)
      return entry.path().string();
  }
  return {};
}

}  // namespace

Follower::Follower(std::string path, std::optional<FilePosition> start, bool from_end, NoteFn note,
                   std::uint64_t start_fingerprint)
    : path_(std::move(path)),
      note_(std::move(note)),
      from_end_(from_end),
      start_fingerprint_(start_fingerprint) {
  if (start) {
    pos_ = *start;
    pending_resume_ = true;
  }
}

std::uint64_t Follower::fingerprint(std::uint64_t upto) const {
  if (fd_ < 0) return 0;
  char head[256];
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(upto, sizeof head));
  const ssize_t n = ::pread(fd_, head, want, 0);
  if (n <= 0) return 0;
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (ssize_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(head[i]);
    h *= 1099511628211ull;
  }
  return h | 1;  // never 0, which means "none"
}

Follower::~Follower() {
  if (fd_ >= 0) ::close(fd_);
}

bool Follower::reopen() {
  const int fd = open_read(path_);
  if (fd < 0) {
    if (!missing_noted_ && note_) note_(path_ + ": cannot be opened yet; waiting for it");
    missing_noted_ = true;
    return false;
  }
  missing_noted_ = false;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return false;
  }
  const auto dev = static_cast<std::uint64_t>(st.st_dev),
             ino = static_cast<std::uint64_t>(st.st_ino);
  if (pending_resume_) {
    pending_resume_ = false;
    if (dev == pos_.dev && ino == pos_.ino) {
      fd_ = fd;
      if (start_fingerprint_ != 0 && pos_.offset != 0 &&
          fingerprint(pos_.offset) != start_fingerprint_) {
        if (note_)
          note_(path_ +
                ": was replaced while stopped (same inode, other contents); reading the "
                "new file from its start");
        pos_ = FilePosition{dev, ino, pos_.generation + 1, 0};
      }
      return true;
    }
    // Replaced while tansa was down: the rest of the old file first, when it is still beside it.
    const std::string old = find_inode_beside(path_, pos_.dev, pos_.ino);
    if (!old.empty()) {
      const int ofd = open_read(old);
      if (ofd >= 0) {
        if (note_)
          note_(path_ + ": was rotated while stopped; reading the rest of " + old + " first");
        ::close(fd);
        fd_ = ofd;
        return true;
      }
    }
    if (note_)
      note_(path_ +
            ": was replaced while stopped and the file it was is gone; lines written to it "
            "after the checkpoint are lost; following the new file from its start");
    pos_ = FilePosition{dev, ino, 0, 0};
    fd_ = fd;
    return true;
  }
  pos_ = FilePosition{dev, ino, 0, from_end_ ? static_cast<std::uint64_t>(st.st_size) : 0};
  from_end_ = false;  // a file that appears later, or after a rotation, is read from its start
  fd_ = fd;
  return true;
}

void Follower::take_partial(const LineFn& on_line) {
  if (partial_.empty()) return;
  std::string_view line = partial_;
  if (line.ends_with('\r')) line.remove_suffix(1);
  const std::uint64_t start = pos_.offset;
  pos_.offset += partial_.size();
  on_line(line, start, pos_);
  partial_.clear();
}

std::size_t Follower::poll(const LineFn& on_line, std::size_t max_bytes) {
  if (fd_ < 0 && !reopen()) return 0;
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return 0;
  std::uint64_t at = pos_.offset + partial_.size();
  if (static_cast<std::uint64_t>(st.st_size) < at) {
    if (note_)
      note_(path_ + ": truncated (copy-truncate rotation); reading it again from its start");
    ++pos_.generation;
    pos_.offset = 0;
    partial_.clear();
    at = 0;
  }
  std::size_t consumed = 0;
  char chunk[65536];
  while (consumed < max_bytes) {
    const ssize_t n = ::pread(fd_, chunk, sizeof chunk, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    consumed += static_cast<std::size_t>(n);
    at += static_cast<std::uint64_t>(n);
    std::string_view data(chunk, static_cast<std::size_t>(n));
    while (!data.empty()) {
      const std::size_t nl = data.find('\n');
      if (nl == std::string_view::npos) {
        partial_.append(data);
        if (partial_.size() >= kMaxLine) take_partial(on_line);
        break;
      }
      std::string_view line;
      if (partial_.empty()) {
        line = data.substr(0, nl);
      } else {
        partial_.append(data.substr(0, nl));
        line = partial_;
      }
      const std::uint64_t start = pos_.offset;
      pos_.offset += line.size() + 1;
      if (line.ends_with('\r')) line.remove_suffix(1);
      on_line(line, start, pos_);
      partial_.clear();
      data.remove_prefix(nl + 1);
    }
  }
  if (consumed) return consumed;
  // Nothing new: has the path moved on to another file (rotation by rename or create)?
  struct stat now {};
  if (::stat(path_.c_str(), &now) != 0) return 0;  // renamed away, the new one not there yet
  if (static_cast<std::uint64_t>(now.st_dev) == pos_.dev &&
      static_cast<std::uint64_t>(now.st_ino) == pos_.ino)
    return 0;
  // The old file has been read to its end: its last partial line is taken as it is.
  take_partial(on_line);
  ::close(fd_);
  fd_ = -1;
  if (note_) note_(path_ + ": rotated; following the new file from its start");
  from_end_ = false;
  if (!reopen()) return 0;
  return 1;  // something changed: poll again soon
}

}  // namespace tansa::watch
