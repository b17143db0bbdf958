// The compiled rule set: flat arrays the matcher walks without allocating.
//
// A rule compiles into one or more variants (a variant per way its log source maps onto events:
// Sysmon EID 1 and Security 4688 for process_creation, with different field names). A variant is
// an expression tree of Nodes whose leaves are Items (one field, one or more value Leaves). Field
// names are resolved to slots at compile time: the matcher fills a slot table from each event once
// and items read slots by index.
//
// Candidate selection: Windows variants are indexed by Channel and EventID; other variants by the
// product/category/service their reader sets. Each variant may carry a prefilter: a set of
// literals at least one of which must occur somewhere in the event for the variant to possibly
// match (found once per event for all rules by one Vectorscan scan).
#pragma once

#include <hs/hs.h>
#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sigma/ast.h"
#include "sigma/logsource.h"
#include "tansa/sigma.h"

namespace tansa::sigma {

inline constexpr std::uint32_t kKeywordSlot = UINT32_MAX;
inline constexpr std::uint32_t kNone = UINT32_MAX;

// A string pattern after modifiers: literal pieces separated by `*`, matched against the whole
// value. `?` inside a piece (marked in `qmask`) matches one byte.
struct Glob {
  bool star_start = false, star_end = false;
  std::vector<std::string> pieces;
  std::vector<std::string> qmasks;  // same length as the piece, 1 = `?`; empty when none
};

struct Leaf {
  enum class Kind : std::uint8_t {
    Exact,
    Prefix,
    Suffix,
    Contains,
    Glob,
    Any,  // string forms
    Regex,
    Int,
    Float,
    Bool,
    Null,
    Exists,
    Cmp,
    Cidr,
    FieldRef,
    TimePart,
  };
  enum class CmpOp : std::uint8_t { Lt, Lte, Gt, Gte };
  enum class Part : std::uint8_t { Minute, Hour, Day, Week, Month, Year };
  enum class RefMode : std::uint8_t { Exact, Prefix, Suffix, Contains };

  Kind kind = Kind::Exact;
  bool cased = false;
  bool flag = false;  // Exists: expected presence
  CmpOp op = CmpOp::Lt;
  Part part = Part::Minute;
  RefMode ref_mode = RefMode::Exact;
  std::string text;            // string forms: the literal (lower-case unless cased)
  std::uint32_t glob = kNone;  // index into CompiledSet::globs
  std::uint32_t regex = kNone;
  std::uint32_t ref_slot = kNone;
  // String forms: a literal the value must contain, as an id in the literal database, or kNone.
  // When the event-wide scan did not find it, the leaf is false without looking at the value.
  std::uint32_t lit = kNone;
  std::int64_t i = 0;
  double d = 0;
  std::uint8_t family = 0, prefix = 0;  // Cidr: 4 or 6, prefix length
  std::uint8_t net[16] = {};
};

struct Item {
  std::uint32_t slot = kKeywordSlot;
  std::uint32_t first_leaf = 0, leaves = 0;
  bool all = false;     // leaves AND-ed (`|all`), otherwise OR-ed
  bool negate = false;  // `|neq`
};

struct Node {
  enum class Op : std::uint8_t { And, Or, Not, Item, True, False };
  Op op = Op::True;
  std::uint32_t a = 0,
                n = 0;  // And/Or: kids in CompiledSet::kids[a, a+n); Not: kid a; Item: item a
};

struct Variant {
  std::uint32_t rule = 0;  // index into rules()
  std::uint32_t root = 0;  // node index
  // The log source as conditions, for the no-index baseline (the index encodes them otherwise).
  enum class Scope : std::uint8_t { Windows, Other, Everything } scope = Scope::Everything;
  std::uint32_t logsource = 0;  // Windows: index into CompiledSet::scopes; Other: into others
  std::uint32_t pf_first = 0, pf_count = 0;  // literal ids, any of which must occur
  bool prefiltered = false;
  bool keywords = false;  // has keyword items, which search every field
};

struct CompiledSet {
  std::vector<RuleInfo> infos;
  std::vector<Variant> variants;
  std::vector<Node> nodes;
  std::vector<std::uint32_t> kids;
  std::vector<Item> items;
  std::vector<Leaf> leaves;
  std::vector<Glob> globs;
  std::vector<std::unique_ptr<RE2>> regexes;

  // FieldId -> slot (kNone when no rule reads the field); sized to the field table at compile.
  // Event field names are also matched with their spaces removed, because Windows providers
  // name some fields with spaces ("Source Name") and Sigma rules write them without.
  std::vector<std::uint32_t> slot_of;
  std::uint32_t slots = 0;
  std::unordered_map<std::string, std::uint32_t> slot_by_name;  // rule field name -> slot
  // The slot for a field id, resolving ids interned after compile through slot_by_name.
  [[nodiscard]] std::uint32_t resolve_slot(FieldId id) const;

  // Candidate index. A bucket holds the variants that apply to one kind of event; within it,
  // prefiltered variants are reached through the literals found in the event, so the cost per
  // event follows the literals present, not the number of rules in the bucket.
  struct Bucket {
    std::vector<std::uint32_t> all;         // every variant (filled while compiling)
    std::vector<std::uint32_t> unfiltered;  // variants without a prefilter: always evaluated
    std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> by_literal;
    bool keywords = false;  // some variant searches every field: the scan must cover them all
    void finish(const CompiledSet& cs);
  };
  // Windows: lower-case Channel -> (EventID -> bucket, any-EventID bucket).
  struct ChannelIndex {
    std::unordered_map<std::int64_t, Bucket> by_eventid;
    Bucket any_eventid;
    // Literal databases for events of this channel: per EventID with a bucket, and for others.
    std::unordered_map<std::int64_t, std::uint32_t> db_by_eventid;
    std::uint32_t any_db = kNone;
  };
  struct SvHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, ChannelIndex, SvHash, std::equal_to<>> windows;
  Bucket windows_any;  // Windows variants not tied to a channel
  // Non-Windows variants with their log source, resolved per event log source by the matcher.
  struct OtherVariant {
    std::uint32_t variant;
    LogSourceSpec logsource;
  };
  std::vector<OtherVariant> others;
  Bucket everything;  // variants with an empty log source: every event
  struct WindowsScope {
    std::vector<std::string> channels;   // lower-case; empty: any
    std::vector<std::int64_t> eventids;  // empty: any
  };
  std::vector<WindowsScope> scopes;
  bool index = true;
  LogSourceMap logsources;

  // Prefilter: the literal database for non-Windows events (the literals of their rules, block
  // mode, lower-cased) and the variants' literal id lists.
  hs_database_t* literals = nullptr;
  std::uint32_t literal_count = 0;
  bool prefilter = false;  // literal ids are assigned and the databases built
  // Smaller databases holding only the literals of the rules that can apply to one kind of
  // Windows event (one Channel and EventID): the scan cost follows the rules that apply, not the
  // whole rule set. Literal ids are the global ones.
  struct ScanDb {
    hs_database_t* db = nullptr;
    bool keywords = false;
  };
  std::vector<ScanDb> scan_dbs;
  std::uint32_t windows_default_db = kNone;  // events of channels no rule names
  // Per slot: 1 when a string leaf with a literal reads it. Other fields need not be scanned
  // unless keyword items apply to the event.
  std::vector<std::uint8_t> slot_scan;
  std::vector<std::uint32_t> pf_ids;
  std::vector<std::string> literal_text;  // by literal id: what the databases find

  FieldId channel_field = kNoField, eventid_field = kNoField;

  // What compiling had to say beside rejected rules: the prefilter off and why, a cache file
  // ignored.
  std::vector<std::string> notes;

  CompiledSet() = default;
  CompiledSet(const CompiledSet&) = delete;
  ~CompiledSet();
};

}  // namespace tansa::sigma
