// A test prepares every query the analysis issues against the schema: each named query of
// queries.h, and each statement of the case database's own, against a freshly created case
// database. A query the schema cannot answer fails here, by name, instead of failing an
// investigation (or, worse, reading as "no facts").
#include "investigate/queries.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

namespace tansa::investigate {
namespace {

class Queries_ : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("tansa_queries_test_" + std::to_string(::getpid()) + ".db");
    auto db = CaseDb::create(path_.string());
    ASSERT_TRUE(db) << db.error();
    db_ = std::move(*db);
    auto done = db_->finish_loading();  // with the indexes, as the analysis queries it
    ASSERT_TRUE(done) << done.error();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove(path_);
  }
  std::filesystem::path path_;
  std::unique_ptr<CaseDb> db_;
};

TEST_F(Queries_, EveryFactQueryPrepares) {
  ASSERT_GT(all_fact_queries().size(), 30u);
  std::set<std::string_view> names;
  for (const FactQuery& q : all_fact_queries()) {
    EXPECT_TRUE(names.insert(q.name).second) << "two queries named " << q.name;
    auto r = db_->prepare(q.kind, std::string(q.where));
    EXPECT_TRUE(r) << q.name << ": " << r.error();
  }
}

TEST_F(Queries_, EveryCountQueryPrepares) {
  ASSERT_EQ(all_count_queries().size(), 9u);
  for (const CountQuery& q : all_count_queries()) {
    auto r = db_->prepare(std::string(q.sql));
    EXPECT_TRUE(r) << q.name << ": " << r.error();
  }
}

TEST_F(Queries_, EveryStatementOfTheDatabaseItselfPrepares) {
  for (const auto& [name, sql] : CaseDb::statements()) {
    auto r = db_->prepare(sql);
    EXPECT_TRUE(r) << name << ": " << r.error();
  }
}

TEST_F(Queries_, AQueryThatFailsIsAnErrorWithItsNameNeverNoFacts) {
  auto r = db_->prepare(FactKind::Logon, "no_such_column = ?");
  EXPECT_FALSE(r);
  Queries q(*db_);
  int rows = 0;
  q.each(FactQuery{"broken", FactKind::Logon, "no_such_column = ?"}, {"x"},
         [&](const Fact&) { ++rows; });
  EXPECT_TRUE(q.failed());
  EXPECT_EQ(q.failure().substr(0, 8), "broken: ");
  // Later queries are skipped, and counts read 0 only beside the failure the caller reports.
  q.each(queries::kAddresses, {}, [&](const Fact&) { ++rows; });
  EXPECT_EQ(q.count(queries::kActiveBefore, {"a", "a", "a@", "a[", "0"}), 0);
  EXPECT_EQ(rows, 0);
  EXPECT_EQ(q.failure().substr(0, 8), "broken: ");
}

TEST_F(Queries_, CountsAnAccountAcrossItsThreeTables) {
  Queries q(*db_);
  EXPECT_EQ(q.count(queries::kSeenBefore, {"tanaka", "tanaka", "tanaka@", "tanaka[", "100"}), 0);
  EXPECT_FALSE(q.failed()) << q.failure();
}

TEST_F(Queries_, AnAccountIsItsNameItsLocalPartOrItsNameAtAnyDomainInAnyCase) {
  std::vector<Fact> facts;
  for (const char* user : {"tanaka", "TANAKA", "tanaka@corp.example", "Tanaka@Other.Example",
                           "tanaka@", "tanaka_b", "tanakab@corp.example", "tanaka[x",
                           "tanaka\\@x", "sato@corp.example", "tanak@corp.example",
                           "tanaka%@x", "xtanaka@corp.example"}) {
    Fact f;
    f.kind = FactKind::Vpn;
    f.time_ns = 50;
    f.user = user;
    facts.push_back(f);
  }
  db_->add_facts(facts);
  Queries q(*db_);
  // The key "tanaka@corp.example", its local part "tanaka" in any case, and tanaka@ anything.
  EXPECT_EQ(q.count(queries::kSeenBefore.vpn,
                    {"tanaka@corp.example", "tanaka", "tanaka@", "tanaka[", "100"}),
            5);
  // A local part with LIKE's wildcards in it is taken literally.
  EXPECT_EQ(q.count(queries::kSeenBefore.vpn, {"tanaka%", "tanaka%", "tanaka%@", "tanaka%[", "100"}),
            1);
  EXPECT_FALSE(q.failed()) << q.failure();
}

}  // namespace
}  // namespace tansa::investigate
