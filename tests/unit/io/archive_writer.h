// Writes archives for tests with libarchive's writer: zip (optionally encrypted with ZipCrypto,
// as `zip -P infected` does), 7z, and tar compressed with gzip.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tansa::io::testing {

enum class ArchiveKind { Zip, SevenZip, TarGz };

// Members as (name, bytes). An empty password writes no encryption.
void write_archive(const std::string& path, ArchiveKind kind,
                   const std::vector<std::pair<std::string, std::string>>& members,
                   const std::string& password = "");

}  // namespace tansa::io::testing
