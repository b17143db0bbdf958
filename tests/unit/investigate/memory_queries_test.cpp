// Every named query of queries.h answers the same from the in-memory index (factindex.h) as from
// SQL (CaseDb::query and CaseDb::scalar): the same facts in the same order, the same counts. The
// facts are built to hit the edges of the SQL's semantics: NOCASE spellings, accounts with and
// without a domain ("bob@", "bob[x"), empty columns, several facts at one time and one source
// reference, and times on the bounds of every range. Each query runs with every combination of
// a few parameters per position, both before and after the SQLite indexes exist. Facts at the
// same (ts, file, position) are in the order they were stored in memory and in SQL without
// indexes; with them, SQL orders such ties as its plan reads them (its ORDER BY leaves them
// free), so that comparison takes each tie as a set.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "investigate/factindex.h"
#include "investigate/queries.h"

namespace tansa::investigate {
namespace {

// What each parameter of a query is: s text, t a time, n a file or position number, a an account
// (its four spellings, TANSA_ACCOUNT), w a LIKE pattern, v a VPN action.
const std::map<std::string_view, std::string_view>& shapes() {
  static const std::map<std::string_view, std::string_view> k = {
      {"addresses", ""},
      {"workstation_addresses", ""},
      {"vpn_event_at", "nn"},
      {"logon_event_at", "nn"},
      {"cloud_event_at", "nn"},
      {"logons_from", "s"},
      {"cloud_from", "s"},
      {"logons_from_between", "stt"},
      {"logons_from_client", "s"},
      {"logons_by_user", "s"},
      {"cloud_by_user", "s"},
      {"logons_from_since", "st"},
      {"logons_from_client_since", "st"},
      {"account_changes", ""},
      {"vpn_from", "s"},
      {"vpn_by_user", "s"},
      {"session_before", "svtt"},
      {"session_end", "vsstt"},
      {"account_sessions_since", "avt"},
      {"account_cloud_since", "at"},
      {"account_logons_since", "at"},
      {"sessions_from_network", "vw"},
      {"first_sessions", "vv"},
      {"session_logons", "stt"},
      {"processes_in_session", "ss"},
      {"processes_by_user", "s"},
      {"sudo_between", "stt"},
      {"files_from_between", "stt"},
      {"files_from", "s"},
      {"files_by_user", "s"},
      {"files_in_session", "ss"},
      {"tampering", ""},
      {"logon_of_session", "ss"},
      {"logons_by_user_between", "stt"},
      {"flows_from_between", "stt"},
      {"flows_to_between", "stt"},
      {"flows_to", "s"},
      {"logon_on_host", "s"},
      {"vpn_active_before", "at"},
      {"cloud_active_before", "at"},
      {"logons_succeeded_before", "at"},
      {"vpn_seen_before", "at"},
      {"cloud_seen_before", "at"},
      {"logons_seen_before", "at"},
      {"vpn_from_address_before", "ast"},
      {"cloud_from_address_before", "ast"},
      {"logons_from_address_before", "ast"},
  };
  return k;
}

const std::vector<std::string> kTexts = {"10.0.0.1", "10.0.0.2", "bob",  "BOB", "Bob@corp.example",
                                         "h1",       "H1",       "WS1",  "ws1", "0x3e7",
                                         "0X3E7",    "10.8.0.5", "sudo", ""};
const std::vector<std::string> kTimes = {"99", "100", "150", "200", "201"};
const std::vector<std::string> kNumbers = {"0", "1", "2", "7"};
const std::vector<std::string> kActions = {"tunnel-up", "tunnel-down", "ssl-login-fail", ""};
// LIKE patterns (sessions_from_network): escapes, _, case, a trailing escape, the empty one.
const std::vector<std::string> kPatterns = {
    "10.0.%", "10.8.%", "%",    "10.0.0.1",   "10.0.0._", "10.0.0.1\\%", "10\\.0%",
    "fe80:%", "_%",     "%.1%", "10.0.0.1\\", "",         "FE80::_"};
const std::vector<std::vector<std::string>> kAccounts = {
    {"bob@corp.example", "bob", "bob@", "bob["},
    {"BOB", "BOB", "BOB@", "BOB["},
    {"alice", "alice", "alice@", "alice["},
    {"", "", "@", "["},
    {"bob", "x", "b", "c"}};

// Every parameter list of a shape: the product of each position's values.
std::vector<std::vector<std::string>> parameter_lists(std::string_view shape) {
  std::vector<std::vector<std::string>> out = {{}};
  for (const char c : shape) {
    std::vector<std::vector<std::string>> next;
    for (const auto& p : out) {
      auto extend = [&](const std::vector<std::string>& with) {
        auto q = p;
        q.insert(q.end(), with.begin(), with.end());
        next.push_back(std::move(q));
      };
      switch (c) {
        case 's':
          for (const auto& v : kTexts) extend({v});
          break;
        case 't':
          for (const auto& v : kTimes) extend({v});
          break;
        case 'n':
          for (const auto& v : kNumbers) extend({v});
          break;
        case 'v':
          for (const auto& v : kActions) extend({v});
          break;
        case 'w':
          for (const auto& v : kPatterns) extend({v});
          break;
        case 'a':
          for (const auto& v : kAccounts) extend(v);
          break;
      }
    }
    out = std::move(next);
  }
  return out;
}

// Facts of every kind, their values drawn from small pools that overlap the parameters.
std::vector<Fact> edge_facts() {
  std::mt19937 rng(11);
  auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
  };
  const std::vector<std::string> users = {
      "bob", "BOB",   "Bob@corp.example", "bob@other",         "bob_b", "alice",
      "",    "bob[x", "bobby@x",          "ALICE@corp.example"};
  const std::vector<std::string> ips = {"10.0.0.1",  "10.0.0.2", "",        "10.8.0.5",
                                        "10.0.0.10", "FE80::1",  "fe80::2", "10.0.0.1%"};
  const std::vector<std::string> hosts = {"h1", "H1", "h2"};
  const std::vector<std::string> ids = {"0x3e7", "0X3E7", "", "0x1"};
  const std::vector<std::string> stations = {"WS1", "ws1", "", "h1"};
  const std::vector<std::string> outcomes = {"success", "failure", "tunnel-up", "tunnel-down",
                                             "ssl-login-fail"};
  const std::vector<std::string> channels = {"sudo", "Security", "sshd"};
  const std::vector<std::string> extras = {"JP", "", "US", "0x3e7"};
  const std::vector<std::string> times = {"99", "100", "100", "150", "200", "201", "50"};
  std::vector<Fact> out;
  for (std::size_t k = 0; k < kFactKinds; ++k)
    for (int i = 0; i < 160; ++i) {
      Fact f;
      f.kind = static_cast<FactKind>(k);
      f.time_ns = std::stoll(pick(times));
      f.source.file = static_cast<std::uint32_t>(rng() % 3);
      f.source.position = rng() % 8;
      f.source.kind = SourceRef::Kind::Record;
      f.host = pick(hosts);
      f.channel = pick(channels);
      f.event_id = rng() % 2 ? 4624 : 4625;
      f.outcome = pick(outcomes);
      f.user = pick(users);
      f.src_ip = pick(ips);
      f.dst_ip = pick(ips);
      f.workstation = pick(stations);
      f.object = pick(hosts);
      f.detail = pick(ids);
      f.extra = pick(extras);
      f.target = pick(users);
      f.bytes_out = i;
      out.push_back(f);
    }
  return out;
}

std::string text_of(const Fact& f) {
  std::string s = std::to_string(f.time_ns) + "|" + std::to_string(f.source.file) + ":" +
                  std::to_string(f.source.position) + "|" + std::to_string(f.event_id) + "|" +
                  std::to_string(f.bytes_out);
  for (auto m : kFactTexts) s += "|" + f.*m;
  return s;
}

class MemoryQueries : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("tansa_memory_queries_test_" + std::to_string(::getpid()) + ".db");
    auto db = CaseDb::create(path_.string());
    ASSERT_TRUE(db) << db.error();
    db_ = std::move(*db);
    FactBatch batch;
    for (const Fact& f : edge_facts()) batch.add(f);
    db_->add_facts(batch, index_);
    ASSERT_TRUE(db_->end_loading());
    index_.finish();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove(path_);
  }
  // Every fact query and count, with every parameter list, from SQL and from memory.
  void expect_same_answers(bool ties_as_sets) {
    std::size_t rows = 0, nonzero = 0;
    for (const FactQuery& q : all_fact_queries()) {
      ASSERT_TRUE(shapes().contains(q.name)) << "no parameter shape for " << q.name;
      for (const auto& p : parameter_lists(shapes().at(q.name))) {
        // (ts, file, position) and the whole fact
        std::vector<std::pair<std::tuple<std::int64_t, std::uint32_t, std::uint64_t>, std::string>>
            sql, memory;
        auto row = [](const Fact& f) {
          return std::pair{std::tuple{f.time_ns, f.source.file, f.source.position}, text_of(f)};
        };
        db_->answer_from(nullptr);
        Queries by_sql(*db_);
        by_sql.each(q, p, [&](const Fact& f) { sql.push_back(row(f)); });
        db_->answer_from(&index_);
        Queries in_memory(*db_);
        in_memory.each(q, p, [&](const Fact& f) { memory.push_back(row(f)); });
        if (ties_as_sets) {
          std::sort(sql.begin(), sql.end());
          std::sort(memory.begin(), memory.end());
        }
        ASSERT_FALSE(by_sql.failed()) << by_sql.failure();
        ASSERT_FALSE(in_memory.failed()) << in_memory.failure();
        ASSERT_EQ(sql, memory) << q.name << " with " << ::testing::PrintToString(p);
        rows += sql.size();
      }
    }
    for (const CountQuery& q : all_count_queries()) {
      ASSERT_TRUE(shapes().contains(q.name)) << "no parameter shape for " << q.name;
      for (const auto& p : parameter_lists(shapes().at(q.name))) {
        db_->answer_from(nullptr);
        Queries by_sql(*db_);
        const std::int64_t sql = by_sql.count(q, p);
        db_->answer_from(&index_);
        Queries in_memory(*db_);
        const std::int64_t memory = in_memory.count(q, p);
        ASSERT_FALSE(by_sql.failed()) << by_sql.failure();
        ASSERT_FALSE(in_memory.failed()) << in_memory.failure();
        ASSERT_EQ(sql, memory) << q.name << " with " << ::testing::PrintToString(p);
        nonzero += sql != 0;
      }
    }
    db_->answer_from(nullptr);
    // The parameters do find things: the comparison is not of empty answers.
    EXPECT_GT(rows, 5000u);
    EXPECT_GT(nonzero, 50u);
  }
  std::filesystem::path path_;
  std::unique_ptr<CaseDb> db_;
  FactIndex index_;
};

TEST_F(MemoryQueries, EveryQueryAnswersAsTheSqlDoesWithoutTheIndexes) {
  expect_same_answers(false);
}

TEST_F(MemoryQueries, EveryQueryAnswersAsTheSqlDoesWithTheIndexesUpToTies) {
  ASSERT_TRUE(db_->build_indexes());
  expect_same_answers(true);
}

// Beyond a few thousand answers only their order is held and the facts are read again in it.
TEST(MemoryQueriesLarge, AnAnswerLargerThanWhatIsHeldComesInTheSameOrderAsSql) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("tansa_memory_queries_large_" + std::to_string(::getpid()) + ".db");
  {
    auto db = CaseDb::create(path.string());
    ASSERT_TRUE(db) << db.error();
    FactIndex index;
    FactBatch batch;
    std::mt19937 rng(7);
    for (int i = 0; i < 10000; ++i) {
      Fact f;
      f.kind = FactKind::Logon;
      f.time_ns = rng() % 500;  // many ties in time, some in file and position too
      f.source.file = rng() % 2;
      f.source.position = rng() % 50;
      f.src_ip = i % 5 ? "10.0.0.1" : "10.0.0.2";
      f.outcome = i % 3 ? "success" : "failure";
      f.bytes_out = i;
      batch.add(f);
    }
    (*db)->add_facts(batch, index);
    ASSERT_TRUE((*db)->end_loading());
    index.finish();
    for (const auto& [q, p] : std::vector<std::pair<FactQuery, std::vector<std::string>>>{
             {queries::kLogonsFrom, {"10.0.0.1"}},
             {queries::kLogonsFromBetween, {"10.0.0.1", "100", "400"}},
             {queries::kSessionLogons, {"10.0.0.1", "0", "499"}}}) {
      std::vector<std::string> sql, memory;
      (*db)->answer_from(nullptr);
      Queries by_sql(**db);
      by_sql.each(q, p, [&](const Fact& f) { sql.push_back(text_of(f)); });
      (*db)->answer_from(&index);
      Queries in_memory(**db);
      in_memory.each(q, p, [&](const Fact& f) { memory.push_back(text_of(f)); });
      ASSERT_FALSE(by_sql.failed()) << by_sql.failure();
      ASSERT_FALSE(in_memory.failed()) << in_memory.failure();
      EXPECT_GT(sql.size(), 4096u) << q.name;
      EXPECT_EQ(sql, memory) << q.name;
    }
    (*db)->answer_from(nullptr);
  }
  std::filesystem::remove(path);
}

TEST_F(MemoryQueries, AFactThatCannotBeReadBackFailsTheQueryNeverNoFacts) {
  // A posting whose row is not in the database (as if its write had been lost).
  FactIndex index;
  FactBatch batch;
  Fact f;
  f.kind = FactKind::Logon;
  f.src_ip = "10.0.0.9";
  batch.add(f);
  index.add(batch, 0, 100000);
  index.finish();
  db_->answer_from(&index);
  Queries q(*db_);
  int rows = 0;
  q.each(queries::kLogonsFrom, {"10.0.0.9"}, [&](const Fact&) { ++rows; });
  EXPECT_TRUE(q.failed());
  EXPECT_EQ(rows, 0);
  EXPECT_NE(q.failure().find("logons_from: "), std::string::npos) << q.failure();
  db_->answer_from(nullptr);
}

TEST_F(MemoryQueries, AParameterThatIsNotANumberFailsTheQuery) {
  db_->answer_from(&index_);
  Queries q(*db_);
  q.each(queries::kLogonsFromSince, {"10.0.0.1", "soon"}, [](const Fact&) {});
  EXPECT_TRUE(q.failed());
  Queries q2(*db_);
  q2.each(queries::kLogonsFrom, {}, [](const Fact&) {});
  EXPECT_TRUE(q2.failed()) << "a missing parameter";
  db_->answer_from(nullptr);
}

TEST_F(MemoryQueries, RowidsOutOfOrderBreakTheIndexLoudly) {
  FactIndex index;
  FactBatch batch;
  Fact f;
  f.kind = FactKind::Vpn;
  batch.add(f);
  index.add(batch, 0, 5);
  index.add(batch, 0, 3);
  index.finish();
  db_->answer_from(&index);
  Queries q(*db_);
  q.each(queries::kVpnFrom, {""}, [](const Fact&) {});
  EXPECT_TRUE(q.failed());
  db_->answer_from(nullptr);
}

}  // namespace
}  // namespace tansa::investigate
