// Writes a decoded record as one line of JSON in the shape evtx_dump (the Rust evtx crate)
// prints: elements as keys, attributes under "#attributes", mixed text under "#text",
// EventData/UserData <Data Name="X"> flattened to "X", unnamed Data as {"Data":{"#text":..}},
// repeated element names suffixed _1, _2; integers and booleans as bare JSON values, everything
// else as strings.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "evtx/binxml.h"

namespace tansa::evtx {

class JsonWriter {
 public:
  // Appends the record's JSON object (no trailing newline) to `out`.
  void write(const Tree& tree, const ChunkCache& cache, std::string& out);

 private:
  void element_value(std::uint32_t el, bool container);
  void element_body(std::uint32_t el, bool container, bool omit_attrs, bool has_text);
  void data_value(std::uint32_t el);
  bool leaf_value(std::uint32_t el, bool empty_as_string);
  void content_value(std::uint32_t first, bool skip_elements);
  bool as_number(std::uint32_t first, bool skip_elements);
  void text_content(std::uint32_t first);
  bool attrs_object(std::uint32_t el);
  void key(std::string_view name, unsigned suffix);
  [[nodiscard]] std::size_t data_items(std::uint32_t data_element) const;
  void array_items_json(const Node& array_value);
  [[nodiscard]] bool has_content(std::uint32_t first) const;
  [[nodiscard]] std::pair<bool, bool> layout(std::uint32_t el) const;
  [[nodiscard]] bool attrs_have_text(std::uint32_t el) const;
  [[nodiscard]] std::uint32_t name_attr(std::uint32_t el) const;
  [[nodiscard]] std::string_view name(const Node& n) const { return cache_->name(n.name); }

  const Tree* tree_ = nullptr;
  const ChunkCache* cache_ = nullptr;
  std::string* out_ = nullptr;
  std::vector<std::pair<std::uint32_t, unsigned>> counts_;  // (canonical name, uses) stack
};

}  // namespace tansa::evtx
