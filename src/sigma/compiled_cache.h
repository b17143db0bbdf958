// The compiled rule set kept between runs, so that a warm start neither parses nor compiles.
//
// What is kept is the compiler's output before its derived parts (detail::compile_tables()): every
// rule's
// info, variants, expression nodes, items, value leaves, globs, regular expressions (their
// pattern and flags: compiled again on reading, RE2 objects are not serialisable), the fields by
// slot (interned again on reading: field ids are per process), the Channel/EventID index, the log
// source scopes, each variant's prefilter and the literals by id. What is derived from these
// (the buckets' literal maps, the Vectorscan databases, which have their own cache, and the slot
// of every field) is derived again by detail::finish_set(), exactly as after compiling. Beside
// the tables: what loading said (documents, filters, correlations, rejected rules of loading and
// compiling) and the correlation rules, which are built from their parsed form.
//
// The file is framed like the parsed-rules cache (rule_cache.h: magic, key, length, checksum), its
// key is that cache's key plus the compile options (prefilter, index, log source map) and this
// format's number, and it is never trusted blindly: besides the codec's checks (counts bounded by
// the bytes that remain, enums in range), every index in the tables is checked against the table
// it points into, expression nodes must point only to earlier nodes (so the tree has no cycle)
// and nest no deeper than the compiler makes them, so a matcher walking a decoded set reads
// nothing out of bounds. A file failing any check is ignored with a note and replaced.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sigma/compiler_impl.h"
#include "sigma/rule_cache.h"
#include "tansa/sigma.h"

namespace tansa::sigma::compiled_cache {

// The key of the compiled set for rules whose parsed-rules key is `rules_key`.
[[nodiscard]] rule_cache::Key key(rule_cache::Key rules_key, const Options& options);

// The whole cache file: `loaded` without its rules (their compiled form is `tables`), with
// `rejected` the rules rejected by loading (except unreadable files, said on every run) and by
// compiling. Empty when it cannot be encoded (too large).
[[nodiscard]] std::string encode(const LoadResult& loaded, const std::vector<Rejection>& rejected,
                                 const CompiledSet& tables, rule_cache::Key key);

struct Decoded {
  LoadResult loaded;                    // no rules; rejected: those of loading and compiling
  std::unique_ptr<CompiledSet> tables;  // for detail::finish_set()
};
[[nodiscard]] std::expected<Decoded, rule_cache::Error> decode(std::string_view file,
                                                               rule_cache::Key key,
                                                               const Options& options);
// The payload alone, without the frame's checks (for the fuzz target): every check of the
// tables still applies.
[[nodiscard]] std::expected<Decoded, std::string> decode_payload(std::string_view payload,
                                                                 const Options& options);

// Whether the tables can be walked safely: every index in range, nodes acyclic and shallow.
// Empty when they can, else the first problem found.
[[nodiscard]] std::string check(const CompiledSet& tables);

}  // namespace tansa::sigma::compiled_cache
