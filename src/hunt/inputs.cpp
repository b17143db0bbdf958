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

// True when a member's name says it is an archive: only those are opened while listing, so a
// collection of logs is not decompressed twice to look for archives that are not there.
bool archive_name(std::string_view name) {
  std::string lower(name.substr(name.size() > 16 ? name.size() - 16 : 0));
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (std::string_view ext : {".zip", ".7z", ".rar", ".tar", ".tgz", ".tar.gz", ".tar.zst",
                               ".tzst", ".tar.xz", ".txz", ".tar.bz2", ".tbz2"})
    if (lower.ends_with(ext)) return true;
  return false;
}

struct Lister {
  const DiagnosticSink& diag;
  const std::vector<std::string>& passwords;
  std::vector<Input>& out;

  // The members of the archive `walker` reads, named under `prefix` ("outer.zip!inner.zip"), at
  // nesting `level` (1: the outermost); `chain` holds the ordinals of the archives around them.
  // Members that are archives themselves are listed in their place while levels remain.
  void walk(io::ArchiveWalker& walker, const std::string& prefix, const std::string& outer,
            std::int64_t mtime_ns, int level, const std::vector<std::uint32_t>& chain) {
    io::ArchiveMember m;
    bool any = false;
    for (;;) {
      auto more = walker.next(m);
      if (!more) {
        diag(Diagnostic{prefix, Diagnostic::Where::None, 0, more.error()});
        break;
      }
      if (!*more) break;
      any = true;
      const std::string name = prefix + "!" + m.name;
      const std::int64_t mtime = m.mtime_ns ? m.mtime_ns : mtime_ns;
      // Where this member sits: the outermost ordinal in `member`, the rest in `inner`.
      std::vector<std::uint32_t> place = chain;
      place.push_back(m.ordinal);
      if (level < kMaxArchiveNesting && archive_name(m.name)) {
        auto bytes = walker.read();
        if (bytes && io::looks_like_archive(*bytes, io::decompress_head(*bytes), m.name)) {
          auto inner = io::ArchiveWalker::open_memory(*bytes, passwords);
          if (inner) {
            walk(**inner, name, outer, mtime, level + 1, place);
            continue;
          }
          diag(Diagnostic{name, Diagnostic::Where::None, 0, inner.error()});
        }
        if (!bytes && walker.bomb()) {
          // Nothing more can be read from this archive: what is left is listed unopened.
          diag(Diagnostic{name, Diagnostic::Where::None, 0, bytes.error()});
        }
      }
      out.push_back(Input{name, m.size, mtime, outer, place.front(),
                          std::vector<std::uint32_t>(place.begin() + 1, place.end())});
    }
    if (!any) diag(Diagnostic{prefix, Diagnostic::Where::None, 0, "archive holds no files"});
  }
};

// An archive's members, or the file itself.
void add_file(const fs::path& p, std::vector<Input>& out, const DiagnosticSink& diag,
              const std::vector<std::string>& passwords) {
  std::error_code ec;
  auto size = fs::file_size(p, ec);
  const std::string path = p.string();
  const std::string raw = read_raw_head(path);
  if (io::looks_like_archive(raw, io::decompress_head(raw), path)) {
    auto members = io::list_archive(path, {});
    if (members && std::any_of(members->begin(), members->end(), [](const io::ArchiveMember& m) {
          return archive_name(m.name);
        })) {
      // Archives inside: one pass over the archive lists them in place of the members.
      auto walker = io::ArchiveWalker::open(path, passwords);
      if (walker) {
        Lister{diag, passwords, out}.walk(**walker, path, path, mtime_ns_of(p), 1, {});
        return;
      }
    }
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

std::vector<Input> expand_inputs(const std::vector<std::string>& paths, const DiagnosticSink& diag,
                                 const std::vector<std::string>& given_passwords) {
  std::vector<std::string> passwords = given_passwords;
  if (std::find(passwords.begin(), passwords.end(), "infected") == passwords.end())
    passwords.push_back("infected");
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
      add_file(p, out, diag, passwords);
      continue;
    }
    if (!fs::is_directory(st)) {
      diag(Diagnostic{arg, Diagnostic::Where::None, 0, "not a regular file or folder"});
      continue;
    }
    fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code ec2;
      if (it->is_regular_file(ec2) && !ec2) add_file(it->path(), out, diag, passwords);
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
