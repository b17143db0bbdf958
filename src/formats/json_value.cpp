#include "formats/json_value.h"

#include <charconv>

namespace tansa::formats {

namespace {

template <typename T>
std::string_view stored_number(Event& e, T x) {
  char b[32];  // enough for any 64-bit integer and any double's shortest form
  auto r = std::to_chars(b, b + sizeof b, x);
  return e.store(std::string_view(b, static_cast<std::size_t>(r.ptr - b)));
}

}  // namespace

bool json_scalar(simdjson::dom::element v, Event& e, Value& out) {
  namespace dom = simdjson::dom;
  out = Value{};
  switch (v.type()) {
    case dom::element_type::STRING: {
      std::string_view s;
      if (v.get(s) != simdjson::SUCCESS) return false;
      out.type = ValueType::String;
      out.text = e.store(s);
      return true;
    }
    case dom::element_type::INT64: {
      if (v.get(out.i) != simdjson::SUCCESS) return false;
      out.type = ValueType::Int;
      out.text = stored_number(e, out.i);
      return true;
    }
    case dom::element_type::UINT64: {
      if (v.get(out.u) != simdjson::SUCCESS) return false;
      out.type = ValueType::UInt;
      out.text = stored_number(e, out.u);
      return true;
    }
    case dom::element_type::DOUBLE: {
      if (v.get(out.d) != simdjson::SUCCESS) return false;
      out.type = ValueType::Double;
      out.text = stored_number(e, out.d);  // shortest round-trip form
      return true;
    }
    case dom::element_type::BOOL: {
      bool x = false;
      if (v.get(x) != simdjson::SUCCESS) return false;
      out.type = ValueType::Bool;
      out.i = x ? 1 : 0;
      out.text = x ? "true" : "false";
      return true;
    }
    case dom::element_type::NULL_VALUE:
      out.type = ValueType::Null;
      return true;
    default:
      return false;
  }
}

}  // namespace tansa::formats
