// Acceptance test: every .evtx under SigmaHQ's regression_data decodes to the same records as its
// evtx_dump .json twin. Normalisation, because the twins were not all made by one tool version:
// numbers compare by their text (5 == "5"), strings without trailing whitespace (the twins trim
// it), timestamps at microsecond precision (one twin prints nanoseconds).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "evtx/reader.h"

namespace {

namespace fs = std::filesystem;
using Flat = std::map<std::string, std::string>;

std::string sigmahq_dir() {
  if (const char* env = std::getenv("TANSA_SIGMAHQ")) return env;
  return TANSA_SIGMAHQ_DIR;
}

std::string normalise(std::string s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.pop_back();
  // "....123456789Z" -> "....123456Z"
  if (s.size() == 30 && s[4] == '-' && s[10] == 'T' && s[19] == '.' && s.back() == 'Z')
    s = s.substr(0, 26) + "Z";
  return s;
}

void flatten(simdjson::dom::element e, const std::string& path, Flat& out) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::OBJECT:
      for (auto [k, v] : e.get_object()) flatten(v, path + "/" + std::string(k), out);
      return;
    case element_type::ARRAY: {
      int i = 0;
      for (auto v : e.get_array()) flatten(v, path + "[" + std::to_string(i++) + "]", out);
      return;
    }
    case element_type::STRING:
      out[path] = normalise(std::string(e.get_string().value()));
      return;
    case element_type::INT64:
      out[path] = std::to_string(e.get_int64().value());
      return;
    case element_type::UINT64:
      out[path] = std::to_string(e.get_uint64().value());
      return;
    case element_type::DOUBLE:
      out[path] = std::to_string(e.get_double().value());
      return;
    case element_type::BOOL:
      out[path] = e.get_bool().value() ? "true" : "false";
      return;
    case element_type::NULL_VALUE:
      out[path] = "null";
      return;
  }
}

// Twins whose content was edited by hand after export; the decoded value is what the file holds
// (checked against evtxexport), so these paths are compared case-insensitively.
bool known_edited(const std::string& file, const std::string& path) {
  return file.find("ad691d92-15f2-4181-9aa4-723c74f9ddc3") != std::string::npos &&
         path == "/Event/EventData/ParentCommandLine";
}

bool iequal(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Every document of a JSON stream (lines or concatenated objects), flattened.
bool parse_all(const simdjson::padded_string& text, std::vector<Flat>& out) {
  simdjson::dom::parser parser;
  simdjson::dom::document_stream docs;
  if (parser.parse_many(text, 1 << 22).get(docs) != simdjson::SUCCESS) return false;
  for (auto doc : docs) {
    simdjson::dom::element el;
    if (doc.get(el) != simdjson::SUCCESS) return false;
    out.emplace_back();
    flatten(el, "", out.back());
  }
  return true;
}

TEST(EvtxRegression, AllTwinsMatch) {
  const fs::path root = fs::path(sigmahq_dir()) / "regression_data";
  if (!fs::is_directory(root)) GTEST_SKIP() << "no SigmaHQ regression data at " << root;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().extension() == ".evtx") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 202u);

  std::size_t records = 0, events = 0;
  for (const fs::path& evtx : files) {
    SCOPED_TRACE(evtx.string());
    std::string lines;
    std::vector<std::string> diags;
    std::size_t nevents = 0;
    tansa::evtx::ReadCallbacks cb;
    cb.on_json = [&](std::string_view s) { lines.append(s); };
    cb.on_event = [&](const tansa::Event&) { ++nevents; };
    cb.on_diagnostic = [&](const tansa::Diagnostic& d) { diags.push_back(tansa::to_string(d)); };
    auto stats = tansa::evtx::read_file(evtx.string(), {}, cb);
    ASSERT_TRUE(stats.has_value()) << stats.error();
    EXPECT_TRUE(diags.empty()) << diags.front();

    std::vector<Flat> got, want;
    const simdjson::padded_string ps(lines);
    ASSERT_TRUE(parse_all(ps, got));
    fs::path twin = evtx;
    twin.replace_extension(".json");
    simdjson::padded_string tw;
    ASSERT_EQ(simdjson::padded_string::load(twin.string()).get(tw), simdjson::SUCCESS);
    ASSERT_TRUE(parse_all(tw, want));
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(nevents, got.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      for (const auto& [path, value] : want[i]) {
        auto it = got[i].find(path);
        ASSERT_NE(it, got[i].end()) << "record " << i << " lacks " << path;
        if (known_edited(evtx.string(), path))
          EXPECT_TRUE(iequal(it->second, value)) << path;
        else
          EXPECT_EQ(it->second, value) << "record " << i << " " << path;
      }
      for (const auto& [path, value] : got[i])
        EXPECT_TRUE(want[i].count(path)) << "record " << i << " has extra " << path;
    }
    records += got.size();
    events += nevents;
  }
  EXPECT_EQ(records, 238u);
  EXPECT_EQ(events, 238u);
}

}  // namespace
