#include "io/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

namespace tansa::io {

namespace {

constexpr std::size_t kMaxName = 4096;
constexpr std::uint64_t kBombFloor = std::uint64_t{64} << 20;

std::string error_of(::archive* a, std::string_view what) {
  const char* e = archive_error_string(a);
  std::string msg(what);
  if (e && *e) msg.append(": ").append(e, strnlen(e, 512));
  return msg;
}

::archive* new_reader(std::span<const std::string> passwords) {
  ::archive* a = archive_read_new();
  if (!a) return nullptr;
  archive_read_support_filter_all(a);
  archive_read_support_format_zip(a);
  archive_read_support_format_7zip(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  archive_read_support_format_rar(a);
  archive_read_support_format_rar5(a);
  for (const std::string& p : passwords) archive_read_add_passphrase(a, p.c_str());
  return a;
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

}  // namespace

// Office and OpenDocument files are zips too, but documents: their first member gives them away.
bool office_document(std::string_view raw) {
  if (raw.size() < 30) return false;
  const std::string_view name = raw.substr(30);
  return name.starts_with("[Content_Types].xml") || name.starts_with("mimetype") ||
         name.starts_with("_rels/") || name.starts_with("docProps/") || name.starts_with("word/") ||
         name.starts_with("xl/") || name.starts_with("ppt/");
}

bool looks_like_archive(std::string_view raw, std::string_view dec, std::string_view path) {
  if (raw.starts_with(std::string_view("PK\x03\x04", 4))) return !office_document(raw);
  if (raw.starts_with(std::string_view("PK\x05\x06", 4))) return true;
  if (raw.starts_with(std::string_view("7z\xBC\xAF\x27\x1C", 6))) return true;
  if (raw.starts_with(std::string_view("Rar!\x1A\x07", 6))) return true;
  // tar: "ustar" at 257, plain or inside gzip/zstd (a gzip'd log has no such header).
  if (dec.size() > 262 && dec.substr(257, 5) == "ustar") return true;
  if (raw.size() > 262 && raw.substr(257, 5) == "ustar") return true;
  // xz and bzip2 are not decompressed for sniffing: trust the name only for tar bundles.
  if (raw.starts_with(std::string_view("\xFD"
                                       "7zXZ\0",
                                       6)) ||
      raw.starts_with("BZh"))
    return ends_with(path, ".tar.xz") || ends_with(path, ".txz") || ends_with(path, ".tar.bz2") ||
           ends_with(path, ".tbz2") || ends_with(path, ".tbz");
  return false;
}

std::expected<std::vector<ArchiveMember>, std::string> list_archive(
    const std::string& path, std::span<const std::string> passwords) {
  auto w = ArchiveWalker::open(path, passwords);
  if (!w) return std::unexpected(w.error());
  std::vector<ArchiveMember> out;
  ArchiveMember m;
  while (true) {
    auto more = (*w)->next(m);
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    out.push_back(m);
  }
  return out;
}

std::expected<std::unique_ptr<ArchiveWalker>, std::string> ArchiveWalker::open(
    const std::string& path, std::span<const std::string> passwords, ArchiveLimits limits) {
  auto w = std::unique_ptr<ArchiveWalker>(new ArchiveWalker());
  w->limits_ = limits;
  w->path_ = path;
  w->passwords_.assign(passwords.begin(), passwords.end());
  std::error_code ec;
  w->archive_size_ = std::filesystem::file_size(path, ec);
  if (ec) w->archive_size_ = 0;
  w->a_ = new_reader(passwords);
  if (!w->a_) return std::unexpected("cannot create an archive reader");
  if (archive_read_open_filename(w->a_, path.c_str(), 1 << 16) != ARCHIVE_OK)
    return std::unexpected(error_of(w->a_, "not a readable archive"));
  return w;
}

std::expected<std::unique_ptr<ArchiveWalker>, std::string> ArchiveWalker::open_memory(
    std::string_view bytes, std::span<const std::string> passwords, ArchiveLimits limits) {
  auto w = std::unique_ptr<ArchiveWalker>(new ArchiveWalker());
  w->limits_ = limits;
  w->archive_size_ = bytes.size();
  w->bytes_ = bytes;
  w->passwords_.assign(passwords.begin(), passwords.end());
  w->a_ = new_reader(passwords);
  if (!w->a_) return std::unexpected("cannot create an archive reader");
  if (archive_read_open_memory(w->a_, bytes.data(), bytes.size()) != ARCHIVE_OK)
    return std::unexpected(error_of(w->a_, "not a readable archive"));
  return w;
}

ArchiveWalker::~ArchiveWalker() {
  if (a_) archive_read_free(a_);
}

std::expected<bool, std::string> ArchiveWalker::next(ArchiveMember& m) {
  while (true) {
    archive_entry* e = nullptr;
    const int rc = archive_read_next_header(a_, &e);
    if (rc == ARCHIVE_EOF) return false;
    if (rc == ARCHIVE_FATAL || !e) return std::unexpected(error_of(a_, "damaged archive"));
    // ARCHIVE_WARN (an odd header field) still gives a usable entry.
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    const char* name = archive_entry_pathname(e);
    m.name = name ? std::string(name, strnlen(name, kMaxName)) : std::string("(unnamed)");
    m.size = archive_entry_size_is_set(e) && archive_entry_size(e) > 0
                 ? static_cast<std::uint64_t>(archive_entry_size(e))
                 : 0;
    m.mtime_ns = archive_entry_mtime_is_set(e)
                     ? static_cast<std::int64_t>(archive_entry_mtime(e)) * 1'000'000'000 +
                           archive_entry_mtime_nsec(e)
                     : 0;
    m.encrypted = archive_entry_is_data_encrypted(e) > 0;
    current_encrypted_ = m.encrypted;
    m.ordinal = ordinal_++;
    return true;
  }
}

std::expected<std::string, std::string> ArchiveWalker::read() {
  std::string out;
  char buf[1 << 16];
  while (true) {
    const la_ssize_t n = archive_read_data(a_, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      const char* e = archive_error_string(a_);
      const std::string why = e ? std::string(e, strnlen(e, 512)) : "read error";
      if (current_encrypted_ && passwords_.size() > 1) return read_with_each_password(why);
      if (why.find("assphrase") != std::string::npos || why.find("ncrypted") != std::string::npos)
        return std::unexpected("encrypted, and no --archive-password given opens it (" + why + ")");
      // An encrypted member whose only password passed the check and then failed: the password
      // was wrong (a one-byte check passes by chance) or the data is damaged; nobody can tell.
      if (current_encrypted_)
        return std::unexpected(
            "encrypted, and the --archive-password given does not open it, or its data is "
            "damaged (" +
            why + ")");
      return std::unexpected("damaged member data: " + why);
    }
    expanded_ += static_cast<std::uint64_t>(n);
    if (expanded_ > limits_.max_total || (expanded_ > kBombFloor && archive_size_ > 0 &&
                                          expanded_ / archive_size_ > limits_.max_ratio)) {
      bomb_ = true;
      return std::unexpected("the archive expands beyond " +
                             std::to_string(expanded_ > limits_.max_total ? limits_.max_total >> 30
                                                                          : limits_.max_ratio) +
                             (expanded_ > limits_.max_total ? " GiB" : " times its size") +
                             " (a zip bomb?); not followed further");
    }
    if (out.size() + static_cast<std::size_t>(n) > limits_.max_member)
      return std::unexpected("member larger than " + std::to_string(limits_.max_member >> 20) +
                             " MiB; extract it to read it");
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::expected<std::unique_ptr<ArchiveWalker>, std::string> ArchiveWalker::reopen(
    const ArchiveWalker& like, std::span<const std::string> passwords) {
  if (!like.path_.empty()) return open(like.path_, passwords, like.limits_);
  return open_memory(like.bytes_, passwords, like.limits_);
}

std::expected<std::string, std::string> ArchiveWalker::read_with_each_password(
    const std::string& first_failure) {
  const std::uint32_t wanted = ordinal_ - 1;
  std::string last = first_failure;
  for (const std::string& password : passwords_) {
    auto alone = reopen(*this, std::span(&password, 1));
    if (!alone) return std::unexpected("damaged archive: " + alone.error());
    ArchiveMember m;
    bool found = false;
    while (true) {
      auto more = (*alone)->next(m);
      if (!more || !*more) break;
      if (m.ordinal == wanted) {
        found = true;
        break;
      }
    }
    if (!found) return std::unexpected("damaged archive: member " + std::to_string(wanted) +
                                       " is not there when read again");
    (*alone)->expanded_ = expanded_;  // the archive's expansion limits count every member
    auto bytes = (*alone)->read();
    if (bytes) {
      expanded_ = (*alone)->expanded_;
      return bytes;
    }
    if ((*alone)->bomb()) {
      bomb_ = true;
      return bytes;
    }
    if (bytes.error().starts_with("member larger")) return bytes;
    last = bytes.error();
  }
  return std::unexpected("encrypted, and none of the " + std::to_string(passwords_.size()) +
                         " --archive-password values given opens it (the last: " + last + ")");
}

}  // namespace tansa::io
