// Damaged files: every intact record is still read, and each problem is reported once with the
// file offset.
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

struct ReadRun {
  std::size_t records = 0;
  std::vector<Diagnostic> diags;
  std::vector<std::uint64_t> ids;
  bool ok = true;
  std::string error;
};

ReadRun read(const std::vector<std::uint8_t>& bytes, unsigned threads = 1) {
  ReadRun r;
  ReadCallbacks cb;
  std::mutex mu;  // callbacks run on several threads at once
  cb.on_event = [&](const Event& e) {
    std::lock_guard lock(mu);
    ++r.records;
    r.ids.push_back(e.source.position);
  };
  cb.on_diagnostic = [&](const Diagnostic& d) {
    std::lock_guard lock(mu);
    r.diags.push_back(d);
  };
  ReadOptions o;
  o.threads = threads;
  auto s = read_bytes(bytes, "bad.evtx", o, cb);
  if (!s) {
    r.ok = false;
    r.error = s.error();
  }
  return r;
}

// Three chunks of sample events.
std::vector<std::uint8_t> three_chunks(std::size_t* per_chunk = nullptr) {
  EvtxWriter w;
  const auto events = testing::many_events(180);
  for (const auto& e : events) w.add(e);
  auto bytes = w.finish();
  EXPECT_EQ(bytes.size(), kFileHeaderSize + 3 * kChunkSize);
  if (per_chunk) {
    // Records in the first chunk: first/last record numbers in its header.
    *per_chunk =
        le64(bytes.data() + kFileHeaderSize + 16) - le64(bytes.data() + kFileHeaderSize + 8) + 1;
  }
  return bytes;
}

bool mentions(const Diagnostic& d, const char* what) {
  return d.reason.find(what) != std::string::npos;
}

TEST(Corruption, CleanFileHasNoDiagnostics) {
  const ReadRun r = read(three_chunks());
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.records, 180u);
  EXPECT_TRUE(r.diags.empty());
}

TEST(Corruption, FileHeaderChecksum) {
  auto b = three_chunks();
  b[124] ^= 0xff;
  const ReadRun r = read(b);
  EXPECT_EQ(r.records, 180u);
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_TRUE(mentions(r.diags[0], "file header checksum"));
  EXPECT_EQ(r.diags[0].position, 124u);
  EXPECT_EQ(r.diags[0].file, "bad.evtx");
}

TEST(Corruption, ChunkHeaderChecksumStillDecodes) {
  auto b = three_chunks();
  b[kFileHeaderSize + kChunkSize + 8] ^= 0x01;  // second chunk's first record number
  const ReadRun r = read(b);
  EXPECT_EQ(r.records, 180u);
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_TRUE(mentions(r.diags[0], "chunk header checksum"));
  EXPECT_EQ(r.diags[0].position, kFileHeaderSize + kChunkSize);
}

TEST(Corruption, RecordsChecksumStillDecodes) {
  auto b = three_chunks();
  b[kFileHeaderSize + 52] ^= 0x01;
  const ReadRun r = read(b);
  EXPECT_EQ(r.records, 180u);
  // The field sits inside the header checksum's range, so both are reported.
  ASSERT_EQ(r.diags.size(), 2u);
  EXPECT_TRUE(mentions(r.diags[0], "chunk header checksum"));
  EXPECT_TRUE(mentions(r.diags[1], "records checksum"));
}

TEST(Corruption, DirtyHeaderWithTooFewChunksReadsAllChunks) {
  auto b = three_chunks();
  b[42] = 1;  // header claims one chunk
  b[43] = 0;
  b[120] = 1;  // dirty flag
  const std::uint32_t crc = crc32(std::span(b).subspan(0, 120));
  for (int i = 0; i < 4; ++i) b[124 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  const ReadRun r = read(b);
  EXPECT_EQ(r.records, 180u);
  EXPECT_TRUE(r.diags.empty());
}

TEST(Corruption, TruncatedFileKeepsWholeRecords) {
  std::size_t per_chunk = 0;
  auto b = three_chunks(&per_chunk);
  // Cut the third chunk after its header and some records.
  b.resize(kFileHeaderSize + 2 * kChunkSize + 8000);
  const ReadRun r = read(b);
  EXPECT_GT(r.records, 2 * per_chunk);
  EXPECT_LT(r.records, 180u);
  for (std::size_t i = 0; i < r.ids.size(); ++i) EXPECT_EQ(r.ids[i], i + 1);  // a clean prefix
  bool truncated = false;
  for (const auto& d : r.diags) truncated |= mentions(d, "truncated chunk");
  EXPECT_TRUE(truncated);
}

TEST(Corruption, TruncatedInsideFileHeader) {
  auto b = three_chunks();
  b.resize(2000);
  const ReadRun r = read(b);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.records, 0u);
}

TEST(Corruption, GarbageOverARecordSkipsOnlyThatRecord) {
  auto b = three_chunks();
  const std::size_t chunk = kFileHeaderSize + kChunkSize;
  // Find the second record of the second chunk and smash its signature and header.
  const std::uint32_t first_size = le32(b.data() + chunk + 512 + 4);
  const std::size_t second = chunk + 512 + first_size;
  ASSERT_EQ(le32(b.data() + second), 0x2a2au);
  for (int i = 0; i < 16; ++i) b[second + i] = 0xAB;
  const ReadRun r = read(b);
  EXPECT_EQ(r.records, 179u);
  // The garbage, plus the chunk's records checksum.
  ASSERT_EQ(r.diags.size(), 2u);
  EXPECT_TRUE(mentions(r.diags[0], "records checksum"));
  EXPECT_TRUE(mentions(r.diags[1], "garbage"));
  EXPECT_EQ(r.diags[1].position, second);
}

TEST(Corruption, ZeroAndOversizedRecordSizes) {
  auto b = three_chunks();
  const std::size_t c0 = kFileHeaderSize;
  std::vector<std::size_t> rec{c0 + 512};
  for (int i = 0; i < 4; ++i) rec.push_back(rec.back() + le32(b.data() + rec.back() + 4));
  b[rec[0] + 4] = 0;  // first record: size 0
  b[rec[0] + 5] = 0;
  b[rec[3] + 4] = 0xff;  // fourth record: size past the chunk end
  b[rec[3] + 5] = 0xff;
  b[rec[3] + 6] = 0x0f;
  const ReadRun r = read(b);
  EXPECT_EQ(r.records, 178u);
  ASSERT_EQ(r.diags.size(), 3u);
  EXPECT_TRUE(mentions(r.diags[0], "records checksum"));
  EXPECT_TRUE(mentions(r.diags[1], "size 0 too small"));
  EXPECT_EQ(r.diags[1].position, rec[0]);
  EXPECT_TRUE(mentions(r.diags[2], "past the chunk end"));
  EXPECT_EQ(r.diags[2].position, rec[3]);
}

TEST(Corruption, DamageSpanningRecordsIsReportedOnce) {
  auto b = three_chunks();
  const std::size_t c0 = kFileHeaderSize;
  const std::size_t r0 = c0 + 512;
  const std::size_t r1 = r0 + le32(b.data() + r0 + 4);
  b[r0 + 4] = 0;  // two adjacent broken records: one resynchronisation skips both
  b[r0 + 5] = 0;
  b[r1 + 6] = 0x0f;
  const ReadRun r = read(b);
  EXPECT_EQ(r.records, 178u);
  ASSERT_EQ(r.diags.size(), 2u);
  EXPECT_TRUE(mentions(r.diags[1], "too small"));
}

TEST(Corruption, SizeCopyMismatchKeepsARecordThatDecodes) {
  auto b = three_chunks();
  const std::size_t r0 = kFileHeaderSize + 512;
  const std::uint32_t size0 = le32(b.data() + r0 + 4);
  b[r0 + size0 - 4] ^= 0x10;  // only the trailing copy is damaged (a torn write)
  const ReadRun r = read(b);
  EXPECT_EQ(r.records, 180u);
  std::size_t n = 0;
  for (const auto& d : r.diags)
    n += mentions(d, "size copy does not match its size; record decoded");
  EXPECT_EQ(n, 1u);
}

TEST(Corruption, SizeCopyMismatchWithBrokenDataSkipsTheRecord) {
  auto b = three_chunks();
  const std::size_t r0 = kFileHeaderSize + 512;
  const std::uint32_t size0 = le32(b.data() + r0 + 4);
  b[r0 + size0 - 4] ^= 0x10;
  b[r0 + 24] = 0x3f;  // and the BinXML starts with an unknown token
  const ReadRun r = read(b);
  EXPECT_EQ(r.records, 179u);
  std::size_t n = 0;
  for (const auto& d : r.diags) n += mentions(d, "size copy does not match its size; skipping");
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(r.ids.front(), 2u);
}

TEST(Corruption, BadBinXmlInOneRecord) {
  auto b = three_chunks();
  const std::size_t c0 = kFileHeaderSize;
  // The fragment header of the first record becomes an unknown token.
  b[c0 + 512 + 24] = 0x3f;
  const ReadRun r = read(b);
  EXPECT_EQ(r.records, 179u);
  std::size_t n = 0;
  for (const auto& d : r.diags) n += mentions(d, "record 1:");
  EXPECT_EQ(n, 1u);
}

TEST(Corruption, GarbageChunkBetweenGoodOnes) {
  auto b = three_chunks();
  const std::size_t c1 = kFileHeaderSize + kChunkSize;
  const std::uint64_t in_second = le64(b.data() + c1 + 16) - le64(b.data() + c1 + 8) + 1;
  for (std::size_t i = 0; i < kChunkSize; ++i)
    b[kFileHeaderSize + kChunkSize + i] = static_cast<std::uint8_t>(i * 7 + 1);
  const ReadRun r = read(b);
  EXPECT_EQ(r.records, 180u - in_second);
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_TRUE(mentions(r.diags[0], "no chunk signature"));
  EXPECT_EQ(r.diags[0].position, kFileHeaderSize + kChunkSize);
}

TEST(Corruption, ZeroChunkIsSilent) {
  auto b = three_chunks();
  std::fill(b.begin() + kFileHeaderSize + kChunkSize, b.begin() + kFileHeaderSize + 2 * kChunkSize,
            0);
  const ReadRun r = read(b);
  EXPECT_TRUE(r.diags.empty());
}

TEST(Corruption, BadFreeSpaceOffsetScansWholeChunk) {
  auto b = three_chunks();
  b[kFileHeaderSize + 48] = 0xff;
  b[kFileHeaderSize + 49] = 0xff;
  b[kFileHeaderSize + 50] = 0xff;
  const ReadRun r = read(b);
  EXPECT_EQ(r.records, 180u);
  std::size_t n = 0;
  for (const auto& d : r.diags) n += mentions(d, "free-space offset");
  EXPECT_EQ(n, 1u);
}

TEST(Corruption, NameOffsetOutsideChunk) {
  ChunkBuilder c;
  c.begin_record(1, 0);
  c.fragment_header();
  c.u8(0x01);
  c.u32(0);
  c.u32(0xfffffff0);  // name offset far outside the chunk
  c.close_empty();
  c.eof();
  ASSERT_TRUE(c.end_record());
  std::vector<Diagnostic> diags;
  ReadCallbacks cb;
  std::size_t n = 0;
  cb.on_json = [&](std::string_view) { ++n; };
  cb.on_diagnostic = [&](const Diagnostic& d) { diags.push_back(d); };
  read_chunk(c.finish(), "x", 0, {}, cb);
  EXPECT_EQ(n, 0u);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_TRUE(mentions(diags[0], "name offset outside chunk"));
}

TEST(Corruption, TemplateBombStopsAtTheChunkBudget) {
  // One 3000-element template, expanded 20 times per record through nested BinXml values: each
  // record is legal but huge, and the chunk as a whole exceeds the decoding budget.
  ChunkBuilder c;
  const std::uint32_t def = c.pos() + 24 + 4 + 10;  // record header, fragment header, instance
  c.begin_record(1, 0);
  c.fragment_header();
  c.template_instance("big",
                      [](ChunkBuilder& b) {
                        b.fragment_header();
                        b.open_element("B", false);
                        b.close_start();
                        for (int i = 0; i < 3000; ++i) {
                          b.open_element("e", false);
                          b.close_empty();
                        }
                        b.end_element();
                        b.eof();
                      },
                      {});
  c.eof();
  ASSERT_TRUE(c.end_record());
  std::vector<std::uint8_t> ref = {0x0f, 1, 1, 0, 0x0c, 1, 0, 0, 0, 0};
  for (int i = 0; i < 4; ++i) ref.push_back(static_cast<std::uint8_t>(def >> (8 * i)));
  ref.insert(ref.end(), {0, 0, 0, 0, 0});
  std::vector<WValue> values(20, WValue::binxml(ref));
  std::uint64_t id = 2;
  for (;; ++id) {
    c.begin_record(id, 0);
    c.fragment_header();
    c.template_instance(
        "outer",
        [](ChunkBuilder& b) {
          b.fragment_header();
          b.open_element("R", false);
          b.close_start();
          for (std::uint16_t i = 0; i < 20; ++i) b.substitution(i, vt::kBinXml, false);
          b.end_element();
          b.eof();
        },
        values);
    c.eof();
    if (!c.end_record()) break;
  }
  ASSERT_GT(id, 50u);
  std::size_t records = 0;
  std::vector<Diagnostic> diags;
  ReadCallbacks cb;
  cb.on_event = [&](const Event&) { ++records; };
  cb.on_diagnostic = [&](const Diagnostic& d) { diags.push_back(d); };
  read_chunk(c.finish(), "bomb", 0, {}, cb);
  EXPECT_GT(records, 10u);
  EXPECT_LT(records, id - 1);
  // One budget problem; the records decoded before it carry no time at all, and say so each.
  std::size_t budget = 0;
  for (const auto& d : diags)
    if (mentions(d, "decoding budget"))
      ++budget;
    else
      EXPECT_TRUE(mentions(d, "TimeCreated")) << d.reason;
  EXPECT_EQ(budget, 1u);
  EXPECT_EQ(diags.size(), records + 1);
}

TEST(Corruption, NotEvtxAndEmpty) {
  ReadRun r = read({});
  EXPECT_FALSE(r.ok);
  r = read(std::vector<std::uint8_t>(10000, 'x'));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("not an EVTX file"), std::string::npos);
}

TEST(Corruption, MissingHeaderButChunksPresent) {
  auto b = three_chunks();
  std::fill(b.begin(), b.begin() + 128, 0);
  const ReadRun r = read(b);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.records, 180u);
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_TRUE(mentions(r.diags[0], "file header"));
}

TEST(Corruption, ThreadsSeeTheSameRecords) {
  auto b = three_chunks();
  b[kFileHeaderSize + kChunkSize + 600] ^= 0x55;  // damage inside chunk 2
  ReadRun one = read(b, 1);
  ReadRun four = read(b, 4);
  EXPECT_EQ(one.records, four.records);
  std::sort(four.ids.begin(), four.ids.end());
  EXPECT_EQ(one.ids, four.ids);
  EXPECT_EQ(one.diags.size(), four.diags.size());
}

}  // namespace
}  // namespace tansa::evtx
