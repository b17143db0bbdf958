// The tracing learns which address each workstation had from the 4624 logons that carry both
// (trace.cpp, learn_addresses): from the first to the last such logon of each (workstation,
// address) pair, citing the first, whatever order the facts were stored in (the writer's order,
// which threads decide), and the same from SQL as from the in-memory index.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "investigate/casedb.h"
#include "investigate/factindex.h"
#include "investigate/trace.h"

namespace tansa::investigate {
namespace {

constexpr std::int64_t H = kHour;

Fact logon(std::int64_t t, std::uint64_t position, const std::string& ws, const std::string& ip) {
  Fact f;
  f.kind = FactKind::Logon;
  f.time_ns = t;
  f.source = SourceRef{0, SourceRef::Kind::Record, position};
  f.host = "FS1.corp.example";
  f.channel = "Security";
  f.event_id = 4624;
  f.outcome = "success";
  f.user = "tanaka";
  f.logon_type = 3;
  f.src_ip = ip;
  f.workstation = ws;
  return f;
}

class TraceAddresses : public ::testing::TestWithParam<bool> {
 protected:
  // The tracing of `facts`, stored in that order, answered from memory when the parameter is
  // true, else from SQL.
  Intrusion traced(const std::vector<Fact>& facts) {
    path_ = std::filesystem::temp_directory_path() /
            ("tansa_trace_addresses_test_" + std::to_string(::getpid()) + ".db");
    auto db = CaseDb::create(path_.string());
    EXPECT_TRUE(db) << db.error();
    db_ = std::move(*db);
    FactBatch batch;
    for (const Fact& f : facts) batch.add(f);
    db_->add_facts(batch, index_);
    EXPECT_TRUE(db_->end_loading());
    index_.finish();
    if (GetParam()) db_->answer_from(&index_);
    auto a = parse_assets("internal_networks: [10.0.0.0/8]\n");
    EXPECT_TRUE(a) << a.error();
    assets_ = *a;
    AnalysisInput in;
    in.db = db_.get();
    in.assets = &assets_;
    const std::vector<RuleInfo> rules;
    in.rules = &rules;
    auto x = trace(in);
    EXPECT_TRUE(x) << x.error();
    return x ? *x : Intrusion{};
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove(path_);
  }
  std::filesystem::path path_;
  std::unique_ptr<CaseDb> db_;
  FactIndex index_;
  Assets assets_;
};

TEST_P(TraceAddresses, AWorkstationHasItsAddressFromItsFirstToItsLastLogon) {
  // WS-07 had 10.0.5.20 from 10 h to 50 h (stored out of time order), WS-09 from 80 h to 90 h.
  const Intrusion x =
      traced({logon(30 * H, 3, "WS-07", "10.0.5.20"), logon(50 * H, 5, "ws-07", "10.0.5.20"),
              logon(10 * H, 1, "WS-07", "10.0.5.20"), logon(90 * H, 9, "WS-09", "10.0.5.20"),
              logon(80 * H, 8, "WS-09", "10.0.5.20"), logon(20 * H, 2, "WS-07", "10.0.5.20")});
  const auto it = x.addresses.by_address.find("10.0.5.20");
  ASSERT_NE(it, x.addresses.by_address.end());
  const std::vector<Binding>& list = it->second;
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].host_key, host_key("WS-07"));
  EXPECT_EQ(list[0].first, 10 * H);
  EXPECT_EQ(list[0].last, 50 * H);
  ASSERT_TRUE(list[0].evidence);
  EXPECT_EQ(list[0].evidence->time_ns, 10 * H);  // the first logon that shows it
  EXPECT_EQ(list[1].host_key, host_key("WS-09"));
  EXPECT_EQ(list[1].first, 80 * H);
  EXPECT_EQ(list[1].last, 90 * H);
  // Two holders: each one's from halfway between the previous one's last and its own first.
  EXPECT_EQ(list[0].valid_to, 65 * H);
  EXPECT_EQ(list[1].valid_from, 65 * H);
  EXPECT_EQ(x.addresses.host_at("10.0.5.20", 60 * H), &list[0]);
  EXPECT_EQ(x.addresses.host_at("10.0.5.20", 70 * H), &list[1]);
}

INSTANTIATE_TEST_SUITE_P(SqlAndMemory, TraceAddresses, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Memory" : "Sql"; });

}  // namespace
}  // namespace tansa::investigate
