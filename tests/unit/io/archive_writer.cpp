#include "archive_writer.h"

#include <archive.h>
#include <archive_entry.h>

#include <stdexcept>

namespace tansa::io::testing {

void write_archive(const std::string& path, ArchiveKind kind,
                   const std::vector<std::pair<std::string, std::string>>& members,
                   const std::string& password) {
  archive* a = archive_write_new();
  switch (kind) {
    case ArchiveKind::Zip:
      archive_write_set_format_zip(a);
      if (!password.empty()) {
        archive_write_set_options(a, "zip:encryption=zipcrypt");
        archive_write_set_passphrase(a, password.c_str());
      }
      break;
    case ArchiveKind::SevenZip:
      archive_write_set_format_7zip(a);
      break;
    case ArchiveKind::TarGz:
      archive_write_set_format_pax_restricted(a);
      archive_write_add_filter_gzip(a);
      break;
  }
  if (archive_write_open_filename(a, path.c_str()) != ARCHIVE_OK)
    throw std::runtime_error(std::string("cannot write ") + path + ": " + archive_error_string(a));
  for (const auto& [name, bytes] : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, 1704423600, 0);  // 2024-01-05T03:00:00Z
    if (archive_write_header(a, e) != ARCHIVE_OK)
      throw std::runtime_error(std::string("header: ") + archive_error_string(a));
    if (!bytes.empty() &&
        archive_write_data(a, bytes.data(), bytes.size()) != static_cast<la_ssize_t>(bytes.size()))
      throw std::runtime_error(std::string("data: ") + archive_error_string(a));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

}  // namespace tansa::io::testing
