#include "evtx/reader.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "evtx/binxml.h"
#include "evtx/flatten.h"
#include "evtx/json.h"
#include "io/mapped_file.h"

namespace tansa::evtx {

namespace {

constexpr std::uint8_t kFileMagic[8] = {'E', 'l', 'f', 'F', 'i', 'l', 'e', 0};
constexpr std::uint8_t kChunkMagic[8] = {'E', 'l', 'f', 'C', 'h', 'n', 'k', 0};
constexpr std::uint8_t kRecordMagic[4] = {0x2a, 0x2a, 0, 0};
constexpr std::uint32_t kChunkHeaderSize = 512;
constexpr std::uint32_t kRecordHeaderSize = 24;

bool all_zero(const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i]) return false;
  return true;
}

// Per-thread decoding state; everything keeps its capacity between chunks.
class ChunkWorker {
 public:
  ChunkWorker(const std::string& name, const ReadOptions& opt, const ReadCallbacks& cb,
              unsigned index = 0)
      : name_(name), opt_(opt), cb_(cb), index_(index) {}

  // Decodes one chunk image; appends JSON lines to `json` when JSON is wanted.
  void run(std::span<const std::uint8_t> chunk, std::uint64_t file_offset, std::string& json);

  ReadStats stats;

 private:
  void report(std::uint64_t offset, std::string reason) {
    if (cb_.on_diagnostic)
      cb_.on_diagnostic(Diagnostic{name_, Diagnostic::Where::Offset, offset, std::move(reason)});
  }
  // Hands the decoded record (tree_) on as JSON and/or an event; `at` is its file offset.
  void deliver(const RecordInfo& info, std::uint64_t at, bool recovered, std::string& json);
  // Carves whole records from `chunk` at or after `from` (slack, or a chunk without a header).
  void carve(std::span<const std::uint8_t> chunk, std::uint64_t file_offset, std::uint32_t from,
             std::string& json);
  // Next plausible record start at or after `from`, or `limit`.
  static std::uint32_t resync(std::span<const std::uint8_t> chunk, std::uint32_t from,
                              std::uint32_t limit);

  const std::string& name_;
  const ReadOptions& opt_;
  const ReadCallbacks& cb_;
  unsigned index_;  // which worker of the file's decoding this is
  ChunkCache cache_;
  Decoder decoder_;
  Tree tree_;
  JsonWriter json_;
  Flattener flat_;
  Event event_;
};

std::uint32_t ChunkWorker::resync(std::span<const std::uint8_t> chunk, std::uint32_t from,
                                  std::uint32_t limit) {
  const std::uint8_t* d = chunk.data();
  for (std::uint32_t p = from; p + kRecordHeaderSize <= limit; ++p) {
    const void* hit = std::memchr(d + p, 0x2a, limit - p);
    if (!hit) return limit;
    p = static_cast<std::uint32_t>(static_cast<const std::uint8_t*>(hit) - d);
    if (p + kRecordHeaderSize > limit) return limit;
    if (std::memcmp(d + p, kRecordMagic, 4) != 0) continue;
    const std::uint32_t size = le32(d + p + 4);
    if (size >= kRecordHeaderSize + 4 && size <= chunk.size() - p && le32(d + p + size - 4) == size)
      return p;
  }
  return limit;
}

void ChunkWorker::run(std::span<const std::uint8_t> chunk, std::uint64_t file_offset,
                      std::string& json) {
  const std::uint8_t* d = chunk.data();
  const auto len = static_cast<std::uint32_t>(std::min<std::size_t>(chunk.size(), kChunkSize));
  if (len < 8 || std::memcmp(d, kChunkMagic, 8) != 0) {
    if (opt_.carve) {
      // A wiped or damaged chunk header: whatever records are still whole behind it are carved.
      // Names and templates are found by their chunk offsets, which do not need the header.
      if (!all_zero(d, len)) {
        cache_.reset(chunk.subspan(0, len));
        const std::uint64_t before = stats.recovered;
        carve(chunk.subspan(0, len), file_offset, 0, json);
        report(file_offset, fmt::format("no chunk signature; {} records carved from the chunk",
                                        stats.recovered - before));
      }
      return;
    }
    // Preallocated, never-written chunks are all zeros: not a problem worth reporting.
    if (!all_zero(d, std::min<std::size_t>(len, kChunkHeaderSize)))
      report(file_offset, "no chunk signature; skipping 64 KiB chunk");
    return;
  }
  ++stats.chunks;
  if (len < kChunkSize)
    report(file_offset, fmt::format("truncated chunk: {} of {} bytes present", len, kChunkSize));
  if (len < kChunkHeaderSize) {
    report(file_offset, "chunk too short for its header; skipping");
    return;
  }
  const std::uint32_t header_crc = crc32(chunk.subspan(0, 120));
  if (crc32(chunk.subspan(128, kChunkHeaderSize - 128), header_crc) != le32(d + 124))
    report(file_offset, "chunk header checksum mismatch; decoding it anyway");
  std::uint32_t limit = le32(d + 48);  // free space offset: end of the last record
  if (limit < kChunkHeaderSize || limit > len) {
    if (limit > len && len == kChunkSize)
      report(file_offset + 48, "chunk free-space offset out of range; scanning whole chunk");
    limit = len;
  } else if (crc32(chunk.subspan(kChunkHeaderSize, limit - kChunkHeaderSize)) != le32(d + 52)) {
    report(file_offset + 52, "chunk records checksum mismatch; decoding them anyway");
  }

  cache_.reset(chunk.subspan(0, len));
  std::uint32_t pos = kChunkHeaderSize;
  while (pos + kRecordHeaderSize <= limit) {
    const std::uint64_t at = file_offset + pos;
    if (std::memcmp(d + pos, kRecordMagic, 4) != 0) {
      if (all_zero(d + pos, limit - pos)) break;
      report(at, "garbage where a record should start; resynchronising");
      ++stats.bad_records;
      pos = resync(chunk.subspan(0, len), pos + 1, limit);
      continue;
    }
    const std::uint32_t size = le32(d + pos + 4);
    if (size < kRecordHeaderSize + 4 || size > len - pos) {
      report(at, size < kRecordHeaderSize + 4
                     ? fmt::format("record size {} too small", size)
                     : fmt::format("record size {} runs past the chunk end", size));
      ++stats.bad_records;
      pos = resync(chunk.subspan(0, len), pos + 4, limit);
      continue;
    }
    RecordInfo info{le64(d + pos + 8), le64(d + pos + 16), opt_.file_index};
    const bool decoded = decoder_.decode(cache_, pos + kRecordHeaderSize, pos + size - 4, tree_);
    if (le32(d + pos + size - 4) != size) {
      // A torn write can leave the trailing copy stale while the record itself is whole: keep
      // the record if it decodes, otherwise treat the size as suspect and look for the next one.
      if (decoded) {
        report(at, "record size copy does not match its size; record decoded anyway");
      } else {
        report(at, "record size copy does not match its size; skipping record");
        ++stats.bad_records;
        pos = resync(chunk.subspan(0, len), pos + 4, limit);
        continue;
      }
    } else if (!decoded) {
      if (cache_.budget == 0) {
        report(at, "chunk exceeds its decoding budget; skipping its remaining records");
        ++stats.bad_records;
        break;
      }
      // Errors without a precise position (size limits) point at the record itself.
      const std::uint32_t where = decoder_.error_offset();
      report(where != 0 ? file_offset + where : at,
             fmt::format("record {}: {}; skipping record", info.record_id, decoder_.error()));
      ++stats.bad_records;
      pos += size;
      continue;
    }
    deliver(info, at, false, json);
    ++stats.records;
    pos += size;
  }
  // Slack: what lies after the last record the header counts (records of the chunk's earlier
  // life, before the log was cleared or wrapped).
  if (opt_.carve && limit < len) carve(chunk.subspan(0, len), file_offset, limit, json);
}

void ChunkWorker::deliver(const RecordInfo& info, std::uint64_t at, bool recovered,
                          std::string& json) {
  if (cb_.on_json) {
    json_.write(tree_, cache_, json);
    json += '\n';
  }
  if (cb_.on_event || cb_.on_worker_event) {
    flat_.flatten(tree_, cache_, info, event_);
    if (recovered) event_.source = SourceRef{opt_.file_index, SourceRef::Kind::Recovered, at};
    if (flat_.time_source() != TimeSource::Created)
      report(at, flat_.time_source() == TimeSource::Header
                     ? fmt::format("record {}: no readable TimeCreated between 1970 and 2100; "
                                   "the time the record was written is used",
                                   info.record_id)
                     : fmt::format("record {}: neither TimeCreated nor the record header holds "
                                   "a time between 1970 and 2100; the event is placed at "
                                   "1970-01-01T00:00:00Z",
                                   info.record_id));
    if (cb_.on_worker_event)
      cb_.on_worker_event(event_, index_);
    else
      cb_.on_event(event_);
  }
}

void ChunkWorker::carve(std::span<const std::uint8_t> chunk, std::uint64_t file_offset,
                        std::uint32_t from, std::string& json) {
  const std::uint8_t* d = chunk.data();
  const auto len = static_cast<std::uint32_t>(chunk.size());
  // FILETIMEs of 1970-01-01 and 2100-01-01: a write time outside is not a record's.
  constexpr std::uint64_t kFt1970 = 116444736000000000ULL;
  constexpr std::uint64_t kFt2100 = 157766112000000000ULL;
  std::uint32_t pos = from;
  while ((pos = resync(chunk, pos, len)) < len) {
    const std::uint32_t size = le32(d + pos + 4);  // resync checked it and its trailing copy
    const std::uint64_t written = le64(d + pos + 16);
    RecordInfo info{le64(d + pos + 8), written, opt_.file_index};
    if (cache_.budget == 0) break;  // reported by the chunk's own records, if they hit it
    if (written < kFt1970 || written >= kFt2100 ||
        !decoder_.decode(cache_, pos + kRecordHeaderSize, pos + size - 4, tree_)) {
      pos += 4;  // not a whole record after all: keep looking inside it
      continue;
    }
    deliver(info, file_offset + pos, true, json);
    ++stats.records;
    ++stats.recovered;
    pos += size;
  }
}

// Drops a decoded chunk's pages from this process's resident set (they stay in the page cache),
// so resident memory stays bounded on files of any size. Only for read-only file mappings.
void release(std::span<const std::uint8_t> bytes) {
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  auto begin = reinterpret_cast<std::uintptr_t>(bytes.data());
  const std::uintptr_t end = (begin + bytes.size()) & ~(page - 1);
  begin = (begin + page - 1) & ~(page - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

// Decodes `count` chunks with `threads` workers; JSON comes out in chunk order.
ReadStats run_chunks(std::span<const std::uint8_t> file, std::size_t first_offset,
                     std::size_t count, const std::string& name, const ReadOptions& opt,
                     const ReadCallbacks& cb, bool mapped) {
  auto chunk_at = [&](std::size_t i) {
    const std::size_t off = first_offset + i * kChunkSize;
    return std::pair{file.subspan(off, std::min(kChunkSize, file.size() - off)), off};
  };
  unsigned threads = opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, count));
  // Pages are released 32 chunks (2 MiB) at a time: per-chunk calls cost TLB flushes. The window
  // released trails the chunk just decoded by another window and the ring, so no other thread is
  // still decoding inside it: a page released under a reader is mapped again and stays resident
  // until the end of the file (hundreds of MB on a file of gigabytes).
  constexpr std::size_t kReleaseBatch = 32;
  const std::size_t lag = kReleaseBatch + std::size_t{threads} * 2;
  auto release_window = [&](std::size_t i) {
    if (!mapped || (i + 1) % kReleaseBatch != 0 || i + 1 < lag + kReleaseBatch) return;
    const std::size_t begin = first_offset + (i + 1 - lag - kReleaseBatch) * kChunkSize;
    release(file.subspan(begin, std::min(kReleaseBatch * kChunkSize, file.size() - begin)));
  };
  ReadStats total;
  auto add = [&](const ReadStats& s) {
    total.chunks += s.chunks;
    total.records += s.records;
    total.bad_records += s.bad_records;
    total.recovered += s.recovered;
  };
  if (threads <= 1) {
    ChunkWorker w(name, opt, cb);
    std::string json;
    for (std::size_t i = 0; i < count; ++i) {
      auto [bytes, off] = chunk_at(i);
      json.clear();
      w.run(bytes, off, json);
      release_window(i);
      if (cb.on_json && !json.empty()) cb.on_json(json);
    }
    add(w.stats);
    if (mapped) release(file);
    return total;
  }

  // Ordered JSON: chunk i is decoded into slot i % ring; whichever worker completes the chunk
  // that is next in file order writes it out, followed by any later ones already done. No
  // separate writer thread, so nobody is woken per chunk; workers block only when the ring is
  // full (a slow chunk holding up the ones after it).
  const std::size_t ring = static_cast<std::size_t>(threads) * 2;
  struct Slot {
    std::string* json = nullptr;  // a buffer owned by the worker that filled it
    unsigned owner = 0;
    bool done = false;
  };
  std::vector<Slot> slots(ring);
  // Each worker writes into its own buffers, handed back after they are written out, so output
  // memory stays in the cache of the core that produces it.
  std::vector<std::deque<std::string>> buffers(threads);
  std::vector<std::vector<std::string*>> free_buffers(threads);
  std::mutex mu;
  std::condition_variable cv;
  std::size_t emitted = 0;  // chunks written out so far
  bool emitting = false;    // a worker is writing; others just mark their slot done
  std::size_t waiting = 0;  // workers blocked on a full ring
  std::atomic<std::size_t> next{0};
  const bool ordered = static_cast<bool>(cb.on_json);

  std::vector<std::unique_ptr<ChunkWorker>> workers;
  for (unsigned t = 0; t < threads; ++t)
    workers.push_back(std::make_unique<ChunkWorker>(name, opt, cb, t));
  auto work = [&](unsigned t) {
    ChunkWorker& w = *workers[t];
    std::string scratch;
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= count) break;
      auto [bytes, off] = chunk_at(i);
      if (!ordered) {
        w.run(bytes, off, scratch);
        release_window(i);
        continue;
      }
      Slot& s = slots[i % ring];
      std::string* out;
      {
        std::unique_lock lock(mu);
        if (i >= emitted + ring) {
          ++waiting;
          cv.wait(lock, [&] { return i < emitted + ring; });
          --waiting;
        }
        if (free_buffers[t].empty()) {
          out = &buffers[t].emplace_back();
        } else {
          out = free_buffers[t].back();
          free_buffers[t].pop_back();
        }
      }
      out->clear();
      w.run(bytes, off, *out);
      release_window(i);
      std::unique_lock lock(mu);
      s.json = out;
      s.owner = t;
      s.done = true;
      if (emitting) continue;
      emitting = true;
      while (emitted < count && slots[emitted % ring].done) {
        Slot& e = slots[emitted % ring];
        lock.unlock();
        if (!e.json->empty()) cb.on_json(*e.json);
        lock.lock();
        free_buffers[e.owner].push_back(e.json);
        e.done = false;
        ++emitted;
        if (waiting) cv.notify_all();
      }
      emitting = false;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);  // the calling thread decodes too
  for (auto& th : pool) th.join();
  for (auto& w : workers) add(w->stats);
  if (mapped) release(file);
  return total;
}

}  // namespace

ReadStats read_chunk(std::span<const std::uint8_t> chunk, const std::string& name,
                     std::uint64_t file_offset, const ReadOptions& options,
                     const ReadCallbacks& callbacks) {
  ChunkWorker w(name, options, callbacks);
  std::string json;
  w.run(chunk.subspan(0, std::min(chunk.size(), kChunkSize)), file_offset, json);
  if (callbacks.on_json && !json.empty()) callbacks.on_json(json);
  return w.stats;
}

namespace {
std::expected<ReadStats, std::string> read_image(std::span<const std::uint8_t> bytes,
                                                 const std::string& name,
                                                 const ReadOptions& options,
                                                 const ReadCallbacks& cb, bool mapped) {
  auto report = [&](std::uint64_t off, std::string reason) {
    if (cb.on_diagnostic)
      cb.on_diagnostic(Diagnostic{name, Diagnostic::Where::Offset, off, std::move(reason)});
  };
  if (bytes.empty()) return std::unexpected(std::string("empty file"));
  const bool header_ok = bytes.size() >= 128 && std::memcmp(bytes.data(), kFileMagic, 8) == 0;
  if (!header_ok) {
    // Without a header, the file still counts as EVTX if a chunk signature sits where the first
    // chunk belongs (a header overwritten or cut off).
    if (bytes.size() <= kFileHeaderSize ||
        std::memcmp(bytes.data() + kFileHeaderSize, kChunkMagic,
                    std::min<std::size_t>(8, bytes.size() - kFileHeaderSize)) != 0)
      return std::unexpected(std::string("not an EVTX file (no ElfFile signature)"));
    report(0, "missing or damaged file header; reading chunks anyway");
  } else {
    if (crc32(bytes.subspan(0, 120)) != le32(bytes.data() + 124))
      report(124, "file header checksum mismatch; reading anyway");
    if (bytes.size() < kFileHeaderSize) report(bytes.size(), "file truncated inside its header");
  }
  if (bytes.size() <= kFileHeaderSize) return ReadStats{};
  const std::size_t count = (bytes.size() - kFileHeaderSize + kChunkSize - 1) / kChunkSize;
  return run_chunks(bytes, kFileHeaderSize, count, name, options, cb, mapped);
}
}  // namespace

std::expected<ReadStats, std::string> read_bytes(std::span<const std::uint8_t> bytes,
                                                 const std::string& name,
                                                 const ReadOptions& options,
                                                 const ReadCallbacks& cb) {
  return read_image(bytes, name, options, cb, false);
}

std::expected<ReadStats, std::string> read_file(const std::string& path, const ReadOptions& options,
                                                const ReadCallbacks& callbacks) {
  auto file = io::MappedFile::open(path);
  if (!file) return std::unexpected(file.error());
  file->advise_sequential();
  return read_image(file->bytes(), path, options, callbacks, true);
}

}  // namespace tansa::evtx
