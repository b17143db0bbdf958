#include "hunt/inputs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include "io/archive.h"
#include "io/byte_source.h"

namespace tansa::hunt {

namespace fs = std::filesystem;

namespace {
// The first bytes of a file as they are on disk.
std::string read_raw_head(const std::string& path) {
  std::string head(4096, '\0');
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::size_t got = 0;
  while (got < head.size()) {
    const ssize_t n = ::read(fd, head.data() + got, head.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  head.resize(got);
  return head;
}

std::int64_t mtime_ns_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// An archive's members, or the file itself.
void add_file(const fs::path& p, std::vector<Input>& out, const DiagnosticSink& diag) {
  std::error_code ec;
  auto size = fs::file_size(p, ec);
  const std::string path = p.string();
  const std::string raw = read_raw_head(path);
  if (io::looks_like_archive(raw, io::decompress_head(raw), path)) {
    auto members = io::list_archive(path, {});
    if (members) {
      for (const io::ArchiveMember& m : *members)
        out.push_back(Input{path + "!" + m.name, m.size, m.mtime_ns ? m.mtime_ns : mtime_ns_of(p),
                            path, m.ordinal});
      if (members->empty())
        diag(Diagnostic{path, Diagnostic::Where::None, 0, "archive holds no files"});
      return;
    }
    diag(Diagnostic{path, Diagnostic::Where::None, 0, members.error() + "; read as a plain file"});
  }
  out.push_back(Input{path, ec ? 0 : size, mtime_ns_of(p)});
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
      add_file(p, out, diag);
      continue;
    }
    if (!fs::is_directory(st)) {
      diag(Diagnostic{arg, Diagnostic::Where::None, 0, "not a regular file or folder"});
      continue;
    }
    fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code ec2;
      if (it->is_regular_file(ec2) && !ec2) add_file(it->path(), out, diag);
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
