// Turns the paths a user gives into the run's ordered list of inputs. The order (sorted paths)
// fixes SourceRef::file, so output never depends on the order arguments or directory entries
// come in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tansa/diagnostic.h"

namespace tansa::hunt {

struct Input {
  std::string path;  // "-" for standard input; "bundle.zip!dir/Security.evtx" for a member
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;  // for syslog year inference
  // An archive member: the archive's path and the member's place among its regular files.
  std::string archive;
  std::uint32_t member = 0;
  // A member of an archive inside that member ("outer.zip!inner.zip!Security.evtx"): its place
  // among the regular files of each nested archive in turn, outermost first. Empty otherwise.
  std::vector<std::uint32_t> inner;
};

// How deep archives inside archives are opened: the outermost counts as the first level.
inline constexpr int kMaxArchiveNesting = 3;

// Files are taken as given; folders are walked recursively (symlinks to folders are not followed,
// so a link loop cannot make the walk endless); "-" stands for standard input. Paths that do not
// exist or cannot be read are reported and skipped. An archive (zip, 7z, rar, tar and compressed
// tar: io/archive.h) stands for its members, "archive!member", in the archive's order. A member
// whose name says it is an archive (.zip, .7z, .rar, .tar, .tgz, .tar.gz...) and whose bytes are
// one stands for its own members in turn ("outer.zip!inner.zip!member"), down to
// kMaxArchiveNesting levels; listing those reads the outer archive once, trying `passwords` and
// then "infected" on encrypted members. The result is sorted and free of duplicates.
std::vector<Input> expand_inputs(const std::vector<std::string>& paths, const DiagnosticSink& diag,
                                 const std::vector<std::string>& passwords = {});

}  // namespace tansa::hunt
