#include "hunt/inputs.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace tansa::hunt {

namespace fs = std::filesystem;

namespace {
std::int64_t mtime_ns_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

void add_file(const fs::path& p, std::vector<Input>& out) {
  std::error_code ec;
  auto size = fs::file_size(p, ec);
  out.push_back(Input{p.string(), ec ? 0 : size, mtime_ns_of(p)});
}
}  // namespace

std::vector<Input> expand_inputs(const std::vector<std::string>& paths,
                                 const DiagnosticSink& diag) {
  std::vector<Input> out;
  bool stdin_seen = false;
  for (const std::string& arg : paths) {
    if (arg == "-") {
      stdin_seen = true;
      continue;
    }
    std::error_code ec;
    fs::path p(arg);
    auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
      diag(Diagnostic{arg, Diagnostic::Where::None, 0, "no such file or folder"});
      continue;
    }
    if (fs::is_regular_file(st)) {
      add_file(p, out);
      continue;
    }
    if (!fs::is_directory(st)) {
      diag(Diagnostic{arg, Diagnostic::Where::None, 0, "not a regular file or folder"});
      continue;
    }
    fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code ec2;
      if (it->is_regular_file(ec2) && !ec2) add_file(it->path(), out);
    }
    if (ec)
      diag(Diagnostic{arg, Diagnostic::Where::None, 0, "cannot list folder: " + ec.message()});
  }
  std::sort(out.begin(), out.end(), [](const Input& a, const Input& b) { return a.path < b.path; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Input& a, const Input& b) { return a.path == b.path; }),
            out.end());
  if (stdin_seen) out.push_back(Input{"-", 0, 0});
  return out;
}

}  // namespace tansa::hunt
