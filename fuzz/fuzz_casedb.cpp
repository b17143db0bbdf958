// The case database fed hostile fact values: every text a log can put into a fact (NUL bytes,
// quotes, SQL, invalid UTF-8, megabytes) is stored and read back unchanged, and a query by that
// text finds it. A write or query that fails is an error, never a quietly missing fact.
//
// Input: a first byte picking the fact kind, then up to 16 values separated by 0xff bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_values.h"
#include "investigate/casedb.h"
#include "investigate/facts.h"
#include "tansa/detection.h"

namespace inv = tansa::investigate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::vector<std::string> v =
      fuzz_values(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), 16);
  std::int64_t number = 0;
  std::memcpy(&number, v[0].data(), std::min<std::size_t>(v[0].size(), 8));

  auto created = inv::CaseDb::create(":memory:");
  if (!created) std::abort();
  inv::CaseDb* db = created->get();
  inv::Fact f;
  f.kind = static_cast<inv::FactKind>(data[0] % inv::kFactKinds);
  f.time_ns = number;
  f.host = v[1];
  f.channel = v[2];
  f.outcome = v[3];
  f.user = v[4];
  f.domain = v[5];
  f.target = v[6];
  f.src_ip = v[7];
  f.dst_ip = v[8];
  f.workstation = v[9];
  f.object = v[10];
  f.detail = v[11];
  f.extra = v[12];
  f.event_id = f.logon_type = f.port = f.bytes_out = f.bytes_in = number;
  f.source = tansa::SourceRef{3, tansa::SourceRef::Kind::Line, 7};
  db->add_files({v[13], v[14]});
  db->add_facts({f, f});

  tansa::RuleInfo rule;
  rule.id = v[13];
  rule.title = v[14];
  tansa::Detection d;
  d.time_ns = number;
  d.host = v[1];
  d.fields = {{v[2], v[3]}, {v[15], v[4]}};
  db->add_detection(d, rule);

  inv::Stream st;
  st.host = v[1];
  st.source = v[2];
  st.events = 1;
  st.active = {{number, number}};
  st.records = {{1, 2, number, number}};
  st.event_ids = {{4624, 1}};
  db->add_streams({st});
  if (!db->finish_loading()) std::abort();

  // Both copies come back, whole, when asked for by the hostile host name.
  int rows = 0;
  auto r = db->query(f.kind, "host = ?", {f.host}, [&](const inv::Fact& g) {
    ++rows;
    if (g.host != f.host || g.channel != f.channel || g.time_ns != f.time_ns ||
        g.source != f.source || g.event_id != f.event_id)
      std::abort();
  });
  if (!r || rows != 2) std::abort();
  auto n = db->scalar("SELECT count(*) FROM detections WHERE host = ?", {d.host});
  if (!n || *n != 1) std::abort();
  // A malformed condition is an error, not an empty answer.
  if (db->query(f.kind, "no_such_column = ?", {f.host}, [](const inv::Fact&) {})) std::abort();
  if (!db->add_findings(v[15])) std::abort();
  return 0;
}
