// The packed forms of the reading path: a FactBatch gives back every value of every fact it was
// given, and Coverage::add_event counts an event exactly where add(stream_of(e), ...) would,
// whichever streams the events alternate between.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "investigate/facts.h"

namespace tansa::investigate {
namespace {

Fact numbered(int n) {
  Fact f;
  f.kind = static_cast<FactKind>(n % kFactKinds);
  f.time_ns = 1000 + n;
  f.source = SourceRef{static_cast<std::uint32_t>(n), SourceRef::Kind::Line,
                       static_cast<std::uint64_t>(n) * 7};
  f.event_id = 4624 + n;
  f.logon_type = 3 + n;
  f.port = 445 + n;
  f.bytes_out = 1LL << 40 | n;
  f.bytes_in = n * 3;
  f.items = n * 5;
  int k = 0;
  for (auto m : kFactTexts) {  // every text distinct, some empty, one with a NUL
    ++k;
    f.*m = (n + k) % 4 == 0 ? std::string() : "t" + std::to_string(n) + "." + std::to_string(k);
  }
  f.detail += std::string("\0x", 2);
  return f;
}

void expect_same(const Fact& a, const Fact& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.time_ns, b.time_ns);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.event_id, b.event_id);
  EXPECT_EQ(a.logon_type, b.logon_type);
  EXPECT_EQ(a.port, b.port);
  EXPECT_EQ(a.bytes_out, b.bytes_out);
  EXPECT_EQ(a.bytes_in, b.bytes_in);
  EXPECT_EQ(a.items, b.items);
  for (auto m : kFactTexts) EXPECT_EQ(a.*m, b.*m);
}

TEST(FactBatch, GivesBackEveryValueOfEveryFact) {
  FactBatch batch;
  std::vector<Fact> facts;
  for (int n = 0; n < 50; ++n) {
    facts.push_back(numbered(n));
    batch.add(facts.back());
  }
  ASSERT_EQ(batch.size(), facts.size());
  for (std::size_t i = 0; i < facts.size(); ++i) expect_same(batch.fact(i), facts[i]);
  EXPECT_EQ(batch.text(3, text_slot(&Fact::cwd)), facts[3].cwd);
}

TEST(FactBatch, EveryTextMemberHasASlot) {
  // A text member added to Fact and not to kFactTexts would be lost on the way to the database.
  Fact f;
  std::size_t texts = 0;
  for (auto m : kFactTexts) {
    EXPECT_LT(text_slot(m), kFactTextSlots);
    ++texts;
  }
  EXPECT_EQ(texts, 13u);
  EXPECT_EQ(sizeof(Fact), 13 * sizeof(std::string) + 7 * sizeof(std::int64_t) + sizeof(SourceRef) +
                              alignof(std::int64_t))
      << "Fact changed: update kFactTexts (facts.h) and this test";
  (void)f;
}

Event windows_event(std::string_view computer, std::string_view channel, std::int64_t record,
                    std::int64_t t) {
  Event e;
  e.time_ns = t;
  e.add_string(field_id("Computer"), computer);
  e.add_string(field_id("Channel"), channel);
  e.add_int(field_id("EventRecordID"), record);
  return e;
}

TEST(Coverage, AddEventCountsWhereAddWould) {
  Coverage fast(10), slow(10);
  std::int64_t t = 0;
  auto both = [&](const Event& e, int id) {
    fast.add_event(e, id);
    const StreamOf s = stream_of(e);
    if (!s.source.empty()) slow.add(s, e.time_ns, id);
  };
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5; ++i) {
      ++t;
      both(windows_event("DC1", "Security", t, t * 3), 4624);
    }
    both(windows_event("DC1", "System", t, t * 3), 104);
    both(windows_event("FS1", "Security", t, t * 3), 5145);
    both(windows_event("DC1", "", t, t * 3), 1);  // no channel: no stream
    Event zeek;
    zeek.time_ns = ++t * 3;
    zeek.logsource.product = "zeek";
    zeek.logsource.service = "conn";
    both(zeek, 0);
    Event ssh;
    ssh.time_ns = ++t * 3;
    ssh.logsource.product = "linux";
    ssh.logsource.service = "sshd";
    ssh.add_string(field_id("host"), "web1");
    both(ssh, 0);
    ssh.logsource.service = "sudo";  // the same stream: linux:syslog
    both(ssh, 0);
  }
  Coverage merged(10);
  merged.merge(fast);
  const auto a = merged.streams(), b = slow.streams();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].host, b[i].host);
    EXPECT_EQ(a[i].source, b[i].source);
    EXPECT_EQ(a[i].events, b[i].events);
    EXPECT_EQ(a[i].event_ids, b[i].event_ids);
    ASSERT_EQ(a[i].active.size(), b[i].active.size());
    for (std::size_t j = 0; j < a[i].active.size(); ++j) {
      EXPECT_EQ(a[i].active[j].start, b[i].active[j].start);
      EXPECT_EQ(a[i].active[j].end, b[i].active[j].end);
    }
    ASSERT_EQ(a[i].records.size(), b[i].records.size());
    for (std::size_t j = 0; j < a[i].records.size(); ++j) {
      EXPECT_EQ(a[i].records[j].first, b[i].records[j].first);
      EXPECT_EQ(a[i].records[j].last, b[i].records[j].last);
    }
  }
  EXPECT_EQ(a.size(), 5u);  // DC1 Security and System, FS1 Security, zeek, web1 linux:syslog
}

}  // namespace
}  // namespace tansa::investigate
