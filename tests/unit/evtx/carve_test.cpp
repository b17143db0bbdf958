// Carving (ReadOptions::carve): records a cleared or wrapped log left in chunk slack, and records
// behind a damaged chunk header, are delivered as recovered at their file offsets; without carving
// they are not read at all.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "evtx/binxml.h"
#include "evtx/reader.h"
#include "evtx/writer.h"
#include "sample_events.h"

namespace tansa::evtx {
namespace {

struct Carved {
  std::vector<SourceRef> sources;
  std::vector<std::uint64_t> record_ids;  // EventRecordID of each event, in file order
  std::vector<Diagnostic> diags;
  ReadStats stats;
};

Carved read(const std::vector<std::uint8_t>& bytes, bool carve) {
  Carved c;
  ReadCallbacks cb;
  const FieldId rid = field_id("EventRecordID");
  cb.on_event = [&](const Event& e) {
    c.sources.push_back(e.source);
    const Value* v = e.get(rid);
    c.record_ids.push_back(v ? v->u : 0);
  };
  cb.on_diagnostic = [&](const Diagnostic& d) { c.diags.push_back(d); };
  ReadOptions o;
  o.threads = 1;
  o.file_index = 3;
  o.carve = carve;
  auto s = read_bytes(bytes, "Security.evtx", o, cb);
  EXPECT_TRUE(s.has_value());
  if (s) c.stats = *s;
  return c;
}

// One chunk of 40 Security and Sysmon records, as Windows writes them.
std::vector<std::uint8_t> forty_records() {
  EvtxWriter w;
  for (const auto& e : testing::many_events(40)) w.add(e);
  auto bytes = w.finish();
  EXPECT_EQ(bytes.size(), kFileHeaderSize + kChunkSize);
  return bytes;
}

// File offsets of the records of the first chunk, in order.
std::vector<std::uint32_t> record_offsets(const std::vector<std::uint8_t>& b) {
  std::vector<std::uint32_t> at;
  const std::uint8_t* c = b.data() + kFileHeaderSize;
  for (std::uint32_t p = 512; p + 24 <= le32(c + 48) && le32(c + p) == 0x00002a2a;
       p += le32(c + p + 4))
    at.push_back(static_cast<std::uint32_t>(kFileHeaderSize) + p);
  return at;
}

// The log cleared and its chunk begun again: the chunk header counts only the first `keep`
// records (free-space offset, last record numbers and both checksums rewritten to match), and the
// older records stay behind them in the chunk's slack.
std::vector<std::uint8_t> cleared_after(std::size_t keep) {
  auto b = forty_records();
  const auto at = record_offsets(b);
  EXPECT_EQ(at.size(), 40u);
  std::uint8_t* c = b.data() + kFileHeaderSize;
  const std::uint32_t free_space = at[keep] - static_cast<std::uint32_t>(kFileHeaderSize);
  const std::uint64_t first = le64(c + 8);
  auto put32 = [](std::uint8_t* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  auto put64 = [](std::uint8_t* p, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  put64(c + 16, first + keep - 1);       // last record number
  put64(c + 32, le64(c + 24) + keep - 1);  // last record id
  put32(c + 44, at[keep - 1] - static_cast<std::uint32_t>(kFileHeaderSize));  // last record
  put32(c + 48, free_space);
  put32(c + 52, crc32(std::span<const std::uint8_t>(c + 512, free_space - 512)));
  const std::uint32_t h = crc32(std::span<const std::uint8_t>(c, 120));
  put32(c + 124, crc32(std::span<const std::uint8_t>(c + 128, 512 - 128), h));
  return b;
}

TEST(Carve, WithoutCarvingAClearedChunkGivesOnlyItsCountedRecords) {
  const Carved c = read(cleared_after(5), false);
  EXPECT_EQ(c.sources.size(), 5u);
  EXPECT_TRUE(c.diags.empty());
  EXPECT_EQ(c.stats.recovered, 0u);
  for (const SourceRef& s : c.sources) EXPECT_EQ(s.kind, SourceRef::Kind::Record);
}

TEST(Carve, OldRecordsInTheSlackOfAClearedChunkAreRecoveredAtTheirOffsets) {
  const auto bytes = cleared_after(5);
  const auto at = record_offsets(forty_records());
  const Carved c = read(bytes, true);
  ASSERT_EQ(c.sources.size(), 40u);
  EXPECT_EQ(c.stats.records, 40u);
  EXPECT_EQ(c.stats.recovered, 35u);
  EXPECT_TRUE(c.diags.empty());  // slack is not damage
  for (std::size_t i = 0; i < 40; ++i) {
    EXPECT_EQ(c.record_ids[i], i + 1);
    EXPECT_EQ(c.sources[i].file, 3u);
    if (i < 5) {
      EXPECT_EQ(c.sources[i], (SourceRef{3, SourceRef::Kind::Record, i + 1}));
    } else {
      EXPECT_EQ(c.sources[i], (SourceRef{3, SourceRef::Kind::Recovered, at[i]}));
    }
  }
}

TEST(Carve, ADamagedChunkHeaderDoesNotStopCarvingItsRecords) {
  auto b = forty_records();
  const auto at = record_offsets(b);
  std::fill(b.begin() + kFileHeaderSize, b.begin() + kFileHeaderSize + 128, 0xcc);
  const Carved plain = read(b, false);
  EXPECT_EQ(plain.sources.size(), 0u);
  ASSERT_EQ(plain.diags.size(), 1u);
  EXPECT_EQ(plain.diags[0].reason, "no chunk signature; skipping 64 KiB chunk");

  const Carved c = read(b, true);
  ASSERT_EQ(c.sources.size(), 40u);
  EXPECT_EQ(c.stats.recovered, 40u);
  for (std::size_t i = 0; i < 40; ++i) {
    EXPECT_EQ(c.sources[i], (SourceRef{3, SourceRef::Kind::Recovered, at[i]}));
    EXPECT_EQ(c.record_ids[i], i + 1);
  }
  ASSERT_EQ(c.diags.size(), 1u);
  EXPECT_EQ(c.diags[0].position, kFileHeaderSize);
  EXPECT_EQ(c.diags[0].reason, "no chunk signature; 40 records carved from the chunk");
}

TEST(Carve, ATornRecordInTheSlackIsSkippedAndTheOnesAfterItAreKept) {
  auto b = cleared_after(5);
  const auto at = record_offsets(forty_records());
  // Record 11 half overwritten (its size copy and data gone): 34 of the 35 old ones come back.
  std::fill(b.begin() + at[10] + 8, b.begin() + at[11] - 2, 0x00);
  const Carved c = read(b, true);
  EXPECT_EQ(c.stats.recovered, 34u);
  EXPECT_EQ(std::count(c.record_ids.begin(), c.record_ids.end(), 11u), 0);
  EXPECT_EQ(c.record_ids.back(), 40u);
}

TEST(Carve, WiredThroughEveryWorkerCount) {
  // The same records, whichever number of threads decodes the chunks.
  const auto bytes = cleared_after(7);
  for (unsigned threads : {1u, 2u, 4u}) {
    std::mutex mu;
    std::size_t recovered = 0;
    ReadCallbacks cb;
    cb.on_event = [&](const Event& e) {
      std::lock_guard lock(mu);
      recovered += e.source.kind == SourceRef::Kind::Recovered;
    };
    ReadOptions o;
    o.threads = threads;
    o.carve = true;
    ASSERT_TRUE(read_bytes(bytes, "x.evtx", o, cb).has_value());
    EXPECT_EQ(recovered, 33u) << threads;
  }
}

}  // namespace
}  // namespace tansa::evtx
