// BinXML tokens and value types, one hand-made record each, checked against the exact JSON
// evtx_dump prints for them.
#include "evtx/binxml.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <functional>
#include <string>
#include <vector>

#include "evtx/reader.h"
#include "evtx/writer.h"

namespace tansa::evtx {
namespace {

struct Result {
  std::vector<std::string> lines;
  std::vector<std::string> diagnostics;
};

Result run_chunk(const std::vector<std::uint8_t>& chunk) {
  Result r;
  ReadCallbacks cb;
  cb.on_json = [&](std::string_view s) {
    while (!s.empty()) {
      const auto nl = s.find('\n');
      r.lines.emplace_back(s.substr(0, nl));
      s.remove_prefix(nl + 1);
    }
  };
  cb.on_diagnostic = [&](const Diagnostic& d) { r.diagnostics.push_back(to_string(d)); };
  read_chunk(chunk, "test", 0, ReadOptions{}, cb);
  return r;
}

// One record whose BinXML `body` writes; returns its JSON (or "" with diagnostics on failure).
std::string record_json(const std::function<void(ChunkBuilder&)>& body,
                        std::vector<std::string>* diags = nullptr) {
  ChunkBuilder c;
  c.begin_record(1, make_filetime(2024, 1, 2, 3, 4, 5));
  c.fragment_header();
  body(c);
  c.eof();
  EXPECT_TRUE(c.end_record());
  Result r = run_chunk(c.finish());
  if (diags) {
    *diags = r.diagnostics;
  } else {
    EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.front();
  }
  return r.lines.empty() ? "" : r.lines.front();
}

// <Root>%0</Root> instantiated with one value: the value as evtx_dump shows it.
std::string value_json(const WValue& v) {
  return record_json([&](ChunkBuilder& c) {
    c.template_instance("t",
                        [](ChunkBuilder& b) {
                          b.fragment_header();
                          b.open_element("Root", false);
                          b.close_start();
                          b.substitution(0, 0, false);
                          b.end_element();
                          b.eof();
                        },
                        {v});
  });
}

TEST(BinXml, ElementWithText) {
  EXPECT_EQ(record_json([](ChunkBuilder& c) {
              c.open_element("Root", false);
              c.close_start();
              c.text("hello \"world\"\n");
              c.end_element();
            }),
            R"({"Root":"hello \"world\"\n"})");
}

TEST(BinXml, CloseEmptyElementIsNull) {
  EXPECT_EQ(record_json([](ChunkBuilder& c) {
              c.open_element("Root", false);
              c.close_start();
              c.open_element("Empty", false);
              c.close_empty();
              c.end_element();
            }),
            R"({"Root":{"Empty":null}})");
}

TEST(BinXml, AttributesAndMixedText) {
  EXPECT_EQ(record_json([](ChunkBuilder& c) {
              c.open_element("Root", true);
              c.attribute("a", true);
              c.text("1");
              c.attribute("empty");
              c.text("");
              c.close_start();
              c.text("body", true);
              c.text(" more");
              c.end_element();
            }),
            R"({"Root":{"#attributes":{"a":"1"},"#text":"body more"}})");
}

TEST(BinXml, AttributesOnlyAllEmptyIsNull) {
  EXPECT_EQ(record_json([](ChunkBuilder& c) {
              c.open_element("Root", true);
              c.attribute("a");
              c.text("");
              c.close_empty();
            }),
            R"({"Root":null})");
}

TEST(BinXml, CDataCharRefEntityRefAndPI) {
  EXPECT_EQ(record_json([](ChunkBuilder& c) {
              c.open_element("Root", false);
              c.close_start();
              c.pi_target("xml-stylesheet");
              c.pi_data("href=x");
              c.cdata("a<b");
              c.char_ref(0x41);
              c.entity_ref("amp");
              c.entity_ref("lt");
              c.entity_ref("quot");
              c.entity_ref("custom");
              c.end_element();
            }),
            R"({"Root":"a<bA&<\"&custom;"})");
}

TEST(BinXml, RepeatedChildNamesGetSuffixes) {
  EXPECT_EQ(record_json([](ChunkBuilder& c) {
              c.open_element("Root", false);
              c.close_start();
              for (const char* v : {"1", "2", "3"}) {
                c.open_element("A", false);
                c.close_start();
                c.text(v);
                c.end_element();
              }
              c.open_element("B", false);
              c.close_empty();
              c.end_element();
            }),
            R"({"Root":{"A":"1","A_1":"2","A_2":"3","B":null}})");
}

TEST(BinXml, SharedNamesAreReadByOffset) {
  // The second <A> refers to the name written inline by the first.
  ChunkBuilder c;
  c.begin_record(1, 0);
  c.fragment_header();
  c.open_element("A", false);
  c.close_start();
  c.open_element("A", false);
  const std::uint32_t before = c.pos();
  c.close_empty();
  c.end_element();
  c.eof();
  ASSERT_TRUE(c.end_record());
  // Record-level elements have no dependency id: token, size, name offset, then the name.
  EXPECT_EQ(le32(c.raw().data() + before - 4), 512u + 24 + 4 + 5 + 4);
  const Result r = run_chunk(c.finish());
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0], R"({"A":{"A":null}})");
}

TEST(BinXml, TemplateDefinitionReusedByOffset) {
  ChunkBuilder c;
  auto body = [](ChunkBuilder& b) {
    b.fragment_header();
    b.open_element("E", false);
    b.close_start();
    b.open_element("V", false);
    b.close_start();
    b.substitution(0, vt::kUInt32, false);
    b.end_element();
    b.open_element("O", true);
    b.attribute("x");
    b.substitution(1, vt::kString, true);
    b.close_empty();
    b.end_element();
    b.eof();
  };
  for (std::uint32_t i = 0; i < 3; ++i) {
    c.begin_record(i + 1, 0);
    c.fragment_header();
    const std::uint32_t before = c.raw().size();
    c.template_instance("t", body, {WValue::u32(i), i == 1 ? WValue::null() : WValue::str("s")});
    if (i > 0) {
      EXPECT_LT(c.raw().size() - before, 40u);  // no inline definition the second time
    }
    c.eof();
    ASSERT_TRUE(c.end_record());
  }
  const Result r = run_chunk(c.finish());
  ASSERT_EQ(r.lines.size(), 3u);
  EXPECT_EQ(r.lines[0], R"({"E":{"V":0,"O":{"#attributes":{"x":"s"}}}})");
  EXPECT_EQ(r.lines[1], R"({"E":{"V":1,"O":null}})");
  EXPECT_EQ(r.lines[2], R"({"E":{"V":2,"O":{"#attributes":{"x":"s"}}}})");
}

TEST(BinXml, SubstitutionIndexPastValuesIsAbsent) {
  EXPECT_EQ(record_json([](ChunkBuilder& c) {
              c.template_instance("t",
                                  [](ChunkBuilder& b) {
                                    b.fragment_header();
                                    b.open_element("Root", false);
                                    b.close_start();
                                    b.substitution(5, vt::kString, true);
                                    b.end_element();
                                    b.eof();
                                  },
                                  {WValue::str("x")});
            }),
            R"({"Root":null})");
}

TEST(BinXmlValue, Scalars) {
  EXPECT_EQ(value_json(WValue::null()), R"({"Root":null})");
  EXPECT_EQ(value_json(WValue::str("")), R"({"Root":null})");
  EXPECT_EQ(value_json(WValue::str("caf\u00e9 \U0001F600")), "{\"Root\":\"caf\u00e9 \U0001F600\"}");
  EXPECT_EQ(value_json(WValue::ansi("ansi")), R"({"Root":"ansi"})");
  EXPECT_EQ(value_json(WValue::i8(-5)), R"({"Root":-5})");
  EXPECT_EQ(value_json(WValue::u8(200)), R"({"Root":200})");
  EXPECT_EQ(value_json(WValue::i16(-300)), R"({"Root":-300})");
  EXPECT_EQ(value_json(WValue::u16(65535)), R"({"Root":65535})");
  EXPECT_EQ(value_json(WValue::i32(-70000)), R"({"Root":-70000})");
  EXPECT_EQ(value_json(WValue::u32(4000000000u)), R"({"Root":4000000000})");
  EXPECT_EQ(value_json(WValue::i64(-9000000000LL)), R"({"Root":-9000000000})");
  EXPECT_EQ(value_json(WValue::u64(18446744073709551615ULL)), R"({"Root":18446744073709551615})");
  EXPECT_EQ(value_json(WValue::f32(1.5f)), R"({"Root":"1.5"})");
  EXPECT_EQ(value_json(WValue::f64(2.0)), R"({"Root":"2.0"})");
  EXPECT_EQ(value_json(WValue::boolean(true)), R"({"Root":true})");
  EXPECT_EQ(value_json(WValue::boolean(false)), R"({"Root":false})");
  const std::uint8_t bin[] = {0xde, 0xad, 0x00, 0x0f};
  EXPECT_EQ(value_json(WValue::binary(bin)), R"({"Root":"DEAD000F"})");
  EXPECT_EQ(value_json(WValue::binary({})), R"({"Root":null})");
  EXPECT_EQ(value_json(WValue::guid("{5770385F-C22A-43E0-BF4C-06F5698FFBD9}")),
            R"({"Root":"5770385F-C22A-43E0-BF4C-06F5698FFBD9"})");
  EXPECT_EQ(value_json(WValue::size_t64(0x1000)), R"({"Root":"0x1000"})");
  EXPECT_EQ(value_json(WValue::filetime(make_filetime(2025, 11, 27, 7, 40, 10, 165324))),
            R"({"Root":"2025-11-27T07:40:10.165324Z"})");
  EXPECT_EQ(value_json(WValue::systime(2024, 2, 29, 23, 59, 58, 123)),
            R"({"Root":"2024-02-29T23:59:58.123000Z"})");
  EXPECT_EQ(value_json(WValue::sid("S-1-5-21-1004336348-1177238915-682003330-1001")),
            R"({"Root":"S-1-5-21-1004336348-1177238915-682003330-1001"})");
  EXPECT_EQ(value_json(WValue::hex32(0x1f)), R"({"Root":"0x1f"})");
  EXPECT_EQ(value_json(WValue::hex64(0x8000000000000000ULL)), R"({"Root":"0x8000000000000000"})");
  WValue handle;
  handle.type = vt::kEvtHandle;
  handle.bytes = {1, 2, 3, 4};
  EXPECT_EQ(value_json(handle), R"({"Root":null})");
}

TEST(BinXmlValue, StringWithEmbeddedNulStopsThere) {
  WValue v = WValue::str("abc");
  v.bytes.insert(v.bytes.end(), {0, 0, 'x', 0});
  EXPECT_EQ(value_json(v), R"({"Root":"abc"})");
}

TEST(BinXmlValue, ControlCharactersAreEscaped) {
  EXPECT_EQ(value_json(WValue::str(std::string("a\x01\tb\\", 5))), R"({"Root":"a\u0001\tb\\"})");
}

TEST(BinXmlValue, ArraysJoinWithCommas) {
  EXPECT_EQ(value_json(WValue::str_array({"a", "b", "c"})), R"({"Root":"a,b,c"})");
  EXPECT_EQ(value_json(WValue::u32_array({1, 2, 3})), R"({"Root":"1,2,3"})");
  EXPECT_EQ(value_json(WValue::str_array({})), R"({"Root":null})");
}

// An array value made of scalar values' bytes.
WValue array_of(std::initializer_list<WValue> items) {
  WValue a;
  for (const WValue& v : items) {
    a.type = static_cast<std::uint8_t>(v.type | vt::kArray);
    a.bytes.insert(a.bytes.end(), v.bytes.begin(), v.bytes.end());
  }
  return a;
}

TEST(BinXmlValue, ArraysOfEveryFixedType) {
  EXPECT_EQ(value_json(array_of({WValue::i8(-1), WValue::i8(2)})), R"({"Root":"-1,2"})");
  EXPECT_EQ(value_json(array_of({WValue::u16(1), WValue::u16(65535)})), R"({"Root":"1,65535"})");
  EXPECT_EQ(value_json(array_of({WValue::i64(-5), WValue::i64(7)})), R"({"Root":"-5,7"})");
  EXPECT_EQ(value_json(array_of({WValue::f64(0.5), WValue::f64(-2)})), R"({"Root":"0.5,-2.0"})");
  EXPECT_EQ(value_json(array_of({WValue::boolean(true), WValue::boolean(false)})),
            R"({"Root":"true,false"})");
  EXPECT_EQ(
      value_json(array_of({WValue::guid("00000001-0002-0003-0405-060708090A0B"),
                           WValue::guid("FFFFFFFF-0000-0000-0000-000000000000")})),
      R"({"Root":"00000001-0002-0003-0405-060708090A0B,FFFFFFFF-0000-0000-0000-000000000000"})");
  EXPECT_EQ(value_json(array_of({WValue::hex32(0xa), WValue::hex32(0)})), R"({"Root":"0xa,0x0"})");
  EXPECT_EQ(value_json(array_of({WValue::hex64(0x10), WValue::hex64(0xffffffffffffffffULL)})),
            R"({"Root":"0x10,0xffffffffffffffff"})");
  EXPECT_EQ(value_json(array_of({WValue::filetime(make_filetime(2020, 1, 1, 0, 0, 0)),
                                 WValue::filetime(make_filetime(1999, 12, 31, 23, 59, 59, 1))})),
            R"({"Root":"2020-01-01T00:00:00.000000Z,1999-12-31T23:59:59.000001Z"})");
  EXPECT_EQ(value_json(array_of({WValue::sid("S-1-5-18"), WValue::sid("S-1-5-32-544")})),
            R"({"Root":"S-1-5-18,S-1-5-32-544"})");
  EXPECT_EQ(value_json(array_of({WValue::systime(2021, 6, 1, 12, 0, 0, 5)})),
            R"({"Root":"2021-06-01T12:00:00.005000Z"})");
  EXPECT_EQ(value_json(array_of({WValue::ansi(std::string("ab\0c\0", 5))})), R"({"Root":"ab,c"})");
}

TEST(BinXmlValue, TruncatedFixedSizeValuesRenderNothing) {
  WValue short_int;
  short_int.type = vt::kUInt32;
  short_int.bytes = {1, 2};
  EXPECT_EQ(value_json(short_int), R"({"Root":""})");
  WValue short_guid;
  short_guid.type = vt::kGuid;
  short_guid.bytes = {1, 2, 3};
  EXPECT_EQ(value_json(short_guid), R"({"Root":""})");
}

TEST(BinXmlValue, UnpairedSurrogateBecomesReplacementCharacter) {
  WValue v;
  v.type = vt::kString;
  v.bytes = {'a', 0, 0x00, 0xd8, 'b', 0};
  EXPECT_EQ(value_json(v),
            "{\"Root\":\"a\xEF\xBF\xBD"
            "b\"}");
}

// <EventData> with the given Data elements, values as substitutions.
std::string event_data_json(const std::vector<std::pair<std::string, WValue>>& data) {
  return record_json([&](ChunkBuilder& c) {
    std::vector<WValue> values;
    for (const auto& d : data) values.push_back(d.second);
    c.template_instance(
        "t",
        [&](ChunkBuilder& b) {
          b.fragment_header();
          b.open_element("EventData", false);
          b.close_start();
          for (std::size_t i = 0; i < data.size(); ++i) {
            b.open_element("Data", !data[i].first.empty());
            if (!data[i].first.empty()) {
              b.attribute("Name");
              b.text(data[i].first);
            }
            b.close_start();
            b.substitution(static_cast<std::uint16_t>(i), data[i].second.type, true);
            b.end_element();
          }
          b.end_element();
          b.eof();
        },
        values);
  });
}

TEST(EventData, NamedDataBecomeKeys) {
  EXPECT_EQ(
      event_data_json({{"A", WValue::str("x")}, {"B", WValue::u32(7)}, {"C", WValue::null()}}),
      R"({"EventData":{"A":"x","B":7,"C":""}})");
}

TEST(EventData, UnnamedDataAreSkippedWhenAnyIsNamed) {
  EXPECT_EQ(event_data_json({{"A", WValue::str("x")}, {"", WValue::str("lost")}}),
            R"({"EventData":{"A":"x"}})");
}

TEST(EventData, PositionalData) {
  EXPECT_EQ(event_data_json({{"", WValue::str("only")}}),
            R"({"EventData":{"Data":{"#text":"only"}}})");
  EXPECT_EQ(event_data_json({{"", WValue::str("a")}, {"", WValue::u16(2)}, {"", WValue::null()}}),
            R"({"EventData":{"Data":{"#text":["a",2,""]}}})");
}

TEST(EventData, ArraySubstitutionExpandsPositionalData) {
  EXPECT_EQ(event_data_json({{"", WValue::str_array({"a", "b"})}}),
            R"({"EventData":{"Data":{"#text":["a","b"]}}})");
  EXPECT_EQ(event_data_json({{"", WValue::str("x")}, {"", WValue::u32_array({1, 2})}}),
            R"({"EventData":{"Data":{"#text":["x",1,2]}}})");
}

TEST(BinXml, NestedBinXmlValue) {
  // The value is itself a BinXML fragment: <Inner a="1">v</Inner>, written inline in the record.
  ChunkBuilder c;
  c.begin_record(1, 0);
  c.fragment_header();
  // Build the nested fragment in place: its names must be chunk offsets, so write it as the
  // value bytes by emitting the instance header by hand.
  c.template_instance("outer",
                      [](ChunkBuilder& b) {
                        b.fragment_header();
                        b.open_element("Outer", false);
                        b.close_start();
                        b.substitution(0, vt::kBinXml, false);
                        b.end_element();
                        b.eof();
                      },
                      {});
  // template_instance wrote a zero value count; replace it with one BinXml value placed here.
  auto& raw = c.raw();
  raw.resize(raw.size() - 4);
  c.u32(1);
  const std::size_t desc = raw.size();
  c.u32(0);  // descriptor patched below
  const std::uint32_t value_at = c.pos();
  c.fragment_header();
  c.open_element("Inner", true);
  c.attribute("a");
  c.text("1");
  c.close_start();
  c.text("v");
  c.end_element();
  c.eof();
  const std::uint32_t size = c.pos() - value_at;
  raw[desc] = static_cast<std::uint8_t>(size);
  raw[desc + 1] = static_cast<std::uint8_t>(size >> 8);
  raw[desc + 2] = vt::kBinXml;
  c.eof();
  ASSERT_TRUE(c.end_record());
  const Result r = run_chunk(c.finish());
  ASSERT_EQ(r.lines.size(), 1u) << (r.diagnostics.empty() ? "" : r.diagnostics[0]);
  EXPECT_EQ(r.lines[0], R"({"Outer":{"Inner":{"#attributes":{"a":"1"},"#text":"v"}}})");
}

TEST(BinXml, NestedBinXmlWithItsOwnTemplates) {
  // Windows nests template instances inside BinXml values; each defines a template while the
  // outer one is being instantiated. Several records, so cached and fresh paths both run.
  ChunkBuilder c;
  for (std::uint32_t rec = 0; rec < 3; ++rec) {
    c.begin_record(rec + 1, 0);
    c.fragment_header();
    c.template_instance("outer",
                        [](ChunkBuilder& b) {
                          b.fragment_header();
                          b.open_element("Outer", false);
                          b.close_start();
                          b.substitution(0, vt::kBinXml, false);
                          b.substitution(1, vt::kBinXml, false);
                          b.end_element();
                          b.eof();
                        },
                        {});
    auto& raw = c.raw();
    raw.resize(raw.size() - 4);
    c.u32(2);
    const std::size_t desc = raw.size();
    c.u32(0);
    c.u32(0);
    for (int v = 0; v < 2; ++v) {
      const std::uint32_t value_at = c.pos();
      c.fragment_header();
      c.template_instance(v == 0 ? "inner-a" : "inner-b",
                          [v](ChunkBuilder& b) {
                            b.fragment_header();
                            b.open_element(v == 0 ? "A" : "B", false);
                            b.close_start();
                            b.substitution(0, vt::kString, false);
                            b.end_element();
                            b.eof();
                          },
                          {WValue::str(fmt::format("v{}{}", rec, v))});
      c.eof();
      const std::uint32_t size = c.pos() - value_at;
      raw[desc + 4 * v] = static_cast<std::uint8_t>(size);
      raw[desc + 4 * v + 1] = static_cast<std::uint8_t>(size >> 8);
      raw[desc + 4 * v + 2] = vt::kBinXml;
    }
    c.eof();
    ASSERT_TRUE(c.end_record());
  }
  const Result r = run_chunk(c.finish());
  ASSERT_EQ(r.lines.size(), 3u) << (r.diagnostics.empty() ? "" : r.diagnostics[0]);
  EXPECT_EQ(r.lines[0], R"({"Outer":{"A":"v00","B":"v01"}})");
  EXPECT_EQ(r.lines[2], R"({"Outer":{"A":"v20","B":"v21"}})");
}

TEST(BinXml, UnknownTokenIsReportedNotFatal) {
  std::vector<std::string> diags;
  EXPECT_EQ(record_json(
                [](ChunkBuilder& c) {
                  c.open_element("Root", false);
                  c.close_start();
                  c.u8(0x1f);
                  c.end_element();
                },
                &diags),
            "");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].find("unknown BinXML token"), std::string::npos) << diags[0];
}

TEST(BinXml, SelfReferencingTemplateTerminates) {
  // A template whose body instantiates itself: bounded by the depth and template limits.
  ChunkBuilder c;
  c.begin_record(1, 0);
  c.fragment_header();
  c.u8(0x0c);
  c.u8(1);
  c.u32(0);
  const std::uint32_t def = c.pos() + 4;
  c.u32(def);
  c.u32(0);
  for (int i = 0; i < 16; ++i) c.u8(0);
  const std::uint32_t size_at = c.pos();
  c.u32(0);
  const std::uint32_t body = c.pos();
  c.begin_template_body();
  c.fragment_header();
  c.open_element("Loop", false);
  c.close_start();
  c.u8(0x0c);
  c.u8(1);
  c.u32(0);
  c.u32(def);  // refers back to its own definition
  c.u32(0);    // no values
  c.end_element();
  c.eof();
  c.end_template_body();
  const std::uint32_t body_size = c.pos() - body;
  for (int i = 0; i < 4; ++i)
    c.raw()[size_at + i] = static_cast<std::uint8_t>(body_size >> (8 * i));
  c.u32(0);  // outer instance: no values
  c.eof();
  ASSERT_TRUE(c.end_record());
  const Result r = run_chunk(c.finish());
  EXPECT_TRUE(r.lines.empty());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics[0].find("too"), std::string::npos) << r.diagnostics[0];
}

}  // namespace
}  // namespace tansa::evtx

namespace tansa::evtx {
namespace {

TEST(Crc32, MatchesZlibOnAllLengthsAndAlignments) {
  std::vector<std::uint8_t> data(4096 + 64);
  std::uint32_t x = 12345;
  for (auto& b : data) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::uint8_t>(x >> 16);
  }
  for (std::size_t off = 0; off < 16; ++off) {
    for (std::size_t len = 0; len <= 1100; len += (len < 300 ? 1 : 37)) {
      const std::uint32_t want =
          static_cast<std::uint32_t>(::crc32(0, data.data() + off, static_cast<uInt>(len)));
      ASSERT_EQ(crc32(std::span(data).subspan(off, len)), want) << off << " " << len;
      const std::uint32_t seeded = static_cast<std::uint32_t>(
          ::crc32(0xdeadbeef, data.data() + off, static_cast<uInt>(len)));
      ASSERT_EQ(crc32(std::span(data).subspan(off, len), 0xdeadbeef), seeded) << off << " " << len;
    }
  }
  EXPECT_EQ(crc32(std::span(data).subspan(0, 4096)),
            static_cast<std::uint32_t>(::crc32(0, data.data(), 4096)));
}

}  // namespace
}  // namespace tansa::evtx
