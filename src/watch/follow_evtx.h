// An EVTX file followed as Windows writes it: the live log on a mounted disk, or a collector's
// share where a fresh copy replaces the file now and then.
//
// Each poll(), when the file's size, modification time or inode changed (or a previous poll left
// work), the chunk headers are read and only the chunks that may hold records newer than the last
// one read are decoded: those whose header says so, and always the newest chunk (Windows updates
// a chunk's header lazily while it fills it). Reads are pread(2)s of 64 KiB, never a mapping that
// a truncation could pull away. New records go out in record-id order.
//
// Record ids, not offsets, say what is new:
// - a copy that replaces the file (another inode) is not read again, only its new records;
// - a wrapped log, whose oldest chunks were overwritten by newer records, is read where it changed;
// - a log whose newest id is lower than what was read (it was cleared, or another log now has its
//   name) is read from its start as a new generation, and said.
// The position a checkpoint keeps is the next record id to read (FilePosition::offset), with the
// generation; the stream's identity is the path and generation, so detections keep their keys
// when a copy replaces the file.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "tansa/diagnostic.h"
#include "tansa/event.h"
#include "watch/follow.h"

namespace tansa::watch {

class EvtxFollower {
 public:
  // `start`: where a checkpoint left the file (offset: the next record id to read); unset: from
  // its first record, or with `from_end` after the newest record present at the first poll.
  EvtxFollower(std::string path, std::optional<FilePosition> start, bool from_end, NoteFn note);

  // Delivers records newer than the last delivered, in record-id order (at most `max_chunks`
  // chunks decoded); returns how many were delivered, plus one when work is left for the next
  // poll. A poll that starts a new generation delivers nothing: the caller sees identity() change
  // before the first record of it. Events carry SourceRef{file_index, Kind::Record, record id}.
  std::size_t poll(const std::function<void(const Event&)>& on_event, std::uint32_t file_index,
                   std::size_t max_chunks = 16);

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] FilePosition position() const { return pos_; }
  // "e:PATH:GENERATION": what detections' keys are built from.
  [[nodiscard]] std::string identity() const;
  [[nodiscard]] std::uint64_t diagnostics() const { return diagnostics_; }

 private:
  std::string path_;
  NoteFn note_;
  FilePosition pos_;  // offset: the next record id to read
  bool from_end_ = false, started_ = false, more_ = false, not_evtx_ = false;
  bool missing_noted_ = false;
  std::uint64_t last_size_ = 0, last_ino_ = 0;
  std::int64_t last_mtime_ns_ = -1;
  std::uint64_t diagnostics_ = 0;
  std::set<std::pair<std::uint64_t, std::string>> said_;  // (file offset, reason), bounded
};

}  // namespace tansa::watch
