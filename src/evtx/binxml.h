// BinXML decoding: turns one record's token stream (with its templates and substitutions) into a
// small flat tree of elements, attributes and values that point into the chunk's bytes. The tree
// is rebuilt per record in vectors that keep their capacity, so steady-state decoding does not
// allocate. Consumers (json.h, flatten.h) walk the tree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "evtx/value.h"
#include "tansa/event.h"

namespace tansa::evtx {

// BinXML value types (MS-EVEN6 2.2.12 / libevtx).
namespace vt {
inline constexpr std::uint8_t kNull = 0x00, kString = 0x01, kAnsiString = 0x02, kInt8 = 0x03,
                              kUInt8 = 0x04, kInt16 = 0x05, kUInt16 = 0x06, kInt32 = 0x07,
                              kUInt32 = 0x08, kInt64 = 0x09, kUInt64 = 0x0a, kReal32 = 0x0b,
                              kReal64 = 0x0c, kBool = 0x0d, kBinary = 0x0e, kGuid = 0x0f,
                              kSizeT = 0x10, kFileTime = 0x11, kSysTime = 0x12, kSid = 0x13,
                              kHexInt32 = 0x14, kHexInt64 = 0x15, kEvtHandle = 0x20, kBinXml = 0x21,
                              kEvtXml = 0x23, kArray = 0x80;
}

inline constexpr std::uint32_t kNone = UINT32_MAX;

// One node of a decoded record. Elements and attributes have a name (an index into the chunk's
// name table) and a child list; the rest are leaves carrying raw little-endian bytes.
struct Node {
  // Subst exists only inside cached template definitions (size = index, first = parent); decoded
  // records never contain it.
  enum Kind : std::uint8_t {
    Element,
    Attribute,
    Value,
    CharRef,
    EntityRef,
    CData,
    PITarget,
    PIData,
    Subst
  };
  Kind kind = Value;
  std::uint8_t vtype = 0;       // Value: BinXML value type (text tokens are vt::kString)
  std::uint32_t name = kNone;   // Element, Attribute, EntityRef, PITarget: name index
  std::uint32_t first = kNone;  // Element: first child; Attribute: first value node
  std::uint32_t last = kNone;   // tail of the child list, for appending
  std::uint32_t attrs = kNone;  // Element: first attribute
  std::uint32_t attrs_last = kNone;
  std::uint32_t next = kNone;  // next sibling
  std::uint32_t size = 0;      // bytes at data (CharRef: the code point)
  std::uint32_t key = kNone;   // chunk offset of literal template text (cache key), or kNone
  const std::uint8_t* data = nullptr;  // Value/CData/PIData payload (UTF-16LE for strings)
};

// The character a predefined XML entity reference (&quot; &apos; &amp; &lt; &gt;) stands for,
// or 0 for any other name.
inline char xml_entity_char(std::string_view name) {
  if (name == "quot") return '"';
  if (name == "apos") return '\'';
  if (name == "amp") return '&';
  if (name == "lt") return '<';
  if (name == "gt") return '>';
  return 0;
}

// True when a node carries text an element would show (a non-empty value, CDATA, a character or
// entity reference); the JSON writer and the flattener agree on emptiness through this.
inline bool is_content(const Node& n) {
  switch (n.kind) {
    case Node::Value:
      return !value_is_empty(n.vtype, n.data, n.size);
    case Node::CData:
      return n.size > 0;
    case Node::CharRef:
    case Node::EntityRef:
      return true;
    default:
      return false;
  }
}

// Names and field ids resolved once per chunk, keyed by the name's chunk offset, so decoding a
// chunk's records hashes each distinct name string once.
class ChunkCache {
 public:
  void reset(std::span<const std::uint8_t> chunk);
  [[nodiscard]] std::span<const std::uint8_t> chunk() const { return chunk_; }

  // Index of the name stored at chunk offset `off`; kNone if it does not fit in the chunk.
  // `inline_size` receives the bytes the name occupies there (to skip inline definitions).
  std::uint32_t name_at(std::uint32_t off, std::uint32_t& inline_size);
  [[nodiscard]] std::string_view name(std::uint32_t index) const {
    const auto& n = names_[index];
    return std::string_view(text_).substr(n.begin, n.len);
  }
  // Facts about a name the consumers test per node, computed once per chunk.
  enum NameFlag : std::uint8_t {
    kPlain = 1,      // needs no JSON escaping
    kData = 2,       // "Data"
    kName = 4,       // "Name"
    kContainer = 8,  // "EventData" or "UserData"
    kSystem = 16,    // "System"
  };
  [[nodiscard]] std::uint8_t flags(std::uint32_t index) const { return names_[index].flags; }
  // The same for every name with this text in the chunk (names can be stored more than once).
  [[nodiscard]] std::uint32_t canonical(std::uint32_t index) const { return names_[index].canon; }
  // FieldId of a name used as a field name, interned on first use in this chunk.
  FieldId field(std::uint32_t index);
  // Parsed template definitions, keyed by the definition's chunk offset. Nodes are stored with
  // indices relative to a holder node at index 0 whose children are the template's top level.
  struct Template {
    bool ok = false;
    std::uint32_t nodes_begin = 0, nodes_count = 0;  // in template_nodes
    std::uint32_t subst_begin = 0, subst_count = 0;  // in template_substs (relative indices)
  };
  Template* find_template(std::uint32_t def);
  // nullptr once the chunk has cached kMaxTemplates definitions (crafted chunks can point records
  // at any number of overlapping "definitions"); callers then parse the body directly.
  Template* add_template(std::uint32_t def);
  static constexpr std::size_t kMaxTemplates = 1024;
  static constexpr std::size_t kMaxTemplateNodes = 1u << 18;

  // Nodes a chunk may still produce, across all its records: bounds the work a crafted chunk
  // (every record expanding huge templates) can cause. Real chunks use a few percent of it.
  static constexpr std::size_t kNodeBudget = 1u << 21;
  std::size_t budget = kNodeBudget;
  std::vector<Node> template_nodes;
  std::vector<std::uint32_t> template_substs;

  // FieldId for an arbitrary composite key (e.g. element and attribute name offsets); `make`
  // produces the name on a miss.
  template <class Make>
  FieldId field_for_key(std::uint64_t key, Make&& make) {
    if (FieldId* f = lookup(key)) return *f;
    FieldId id = field_id(make());
    insert(key, id);
    return id;
  }

 private:
  struct NameEntry {
    std::uint32_t offset;
    std::uint32_t begin, len;  // within text_
    std::uint32_t size;        // bytes in the chunk
    FieldId field = kNoField;
    std::uint32_t canon = 0;
    std::uint8_t flags = 0;
  };
  FieldId* lookup(std::uint64_t key);
  void insert(std::uint64_t key, FieldId id);

  std::span<const std::uint8_t> chunk_;
  std::vector<NameEntry> names_;
  std::string text_;
  // Open-addressed map chunk offset -> names_ index (offset+1 as key, 0 = empty).
  std::vector<std::uint64_t> slot_keys_;
  std::vector<std::uint32_t> slot_vals_;
  std::size_t slot_used_ = 0;
  // Composite-key field map, same scheme.
  std::vector<std::uint64_t> fkeys_;
  std::vector<FieldId> fvals_;
  std::size_t fused_ = 0;
  std::vector<Template> templates_;  // indexed through the composite-key map
};

// A decoded record: nodes plus the root element.
struct Tree {
  std::vector<Node> nodes;
  std::uint32_t root = kNone;
  void clear() {
    nodes.clear();
    root = kNone;
  }
};

// Decodes BinXML fragments. Bounded: nesting depth, node count and template expansions are
// capped, so crafted template loops or recursion terminate with an error.
class Decoder {
 public:
  // Decodes the BinXML at chunk bytes [begin, end) (a record's payload) into `tree`. On failure
  // returns false and sets `error` (and `error_offset`, a chunk offset).
  bool decode(ChunkCache& cache, std::uint32_t begin, std::uint32_t end, Tree& tree);
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::uint32_t error_offset() const { return error_offset_; }

  static constexpr int kMaxDepth = 48;
  static constexpr std::size_t kMaxNodes = 1u << 16;
  static constexpr int kMaxTemplates = 256;

 private:
  struct Sub {
    const std::uint8_t* data;
    std::uint32_t size;
    std::uint8_t type;
  };
  struct SubSpan {
    std::uint32_t first = 0, count = 0;  // into subs_
  };
  bool fail(std::uint32_t off, const char* why);
  bool fragment(std::uint32_t& pos, std::uint32_t end, std::uint32_t parent, SubSpan subs,
                int depth, bool stop_at_eof);
  bool template_instance(std::uint32_t& pos, std::uint32_t end, std::uint32_t parent, int depth);
  bool element(std::uint32_t& pos, std::uint32_t end, std::uint32_t parent, SubSpan subs,
               int depth);
  // Parses content/value tokens into `parent` until a token it does not own; `in_attr` stops at
  // attribute and close-start tokens.
  bool content(std::uint32_t& pos, std::uint32_t end, std::uint32_t parent, SubSpan subs, int depth,
               bool in_attr);
  bool substitution(std::uint32_t& pos, std::uint32_t end, std::uint32_t parent, SubSpan subs,
                    int depth, bool in_attr);
  bool read_name(std::uint32_t& pos, std::uint32_t end, std::uint32_t& name);
  std::uint32_t add(std::uint32_t parent, const Node& n, bool as_attr = false);
  bool utf16_text(std::uint32_t& pos, std::uint32_t end, std::uint32_t parent, Node::Kind kind);
  // Parses a template body once per chunk into the cache (false if it cannot be cached).
  bool build_template(ChunkCache::Template& t, std::uint32_t body, std::uint32_t body_end,
                      int depth);
  // Copies a cached template into the tree under `parent` and fills in its substitutions.
  bool instantiate(ChunkCache::Template t, std::uint32_t parent, SubSpan subs, int depth);

  ChunkCache* cache_ = nullptr;
  Tree* tree_ = nullptr;
  const std::uint8_t* base_ = nullptr;
  std::uint32_t chunk_size_ = 0;
  std::vector<Sub> subs_;
  int templates_ = 0;
  bool template_mode_ = false;  // parsing a definition: substitutions become placeholders
  // Element start tokens carry a u16 dependency id inside template definitions, but not in a
  // record's own BinXML or in nested XML values (type 0x21).
  bool dependency_ids_ = false;
  Tree scratch_;
  std::string error_;
  std::uint32_t error_offset_ = 0;
};

// Little-endian loads from possibly unaligned bytes.
inline std::uint16_t le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
inline std::uint64_t le64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(le32(p)) | (static_cast<std::uint64_t>(le32(p + 4)) << 32);
}

}  // namespace tansa::evtx
