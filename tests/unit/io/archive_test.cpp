// Archives read in place: members listed in the archive's order and read whole; encrypted zip
// members opened by a password tried in turn; damaged archives and zip bombs reported, never
// followed.
#include "io/archive.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "archive_writer.h"
#include "io/byte_source.h"

namespace tansa::io {
namespace {

using testing::ArchiveKind;
using testing::write_archive;

std::string tmp(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("tansa_io_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

std::string head(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string h(4096, '\0');
  f.read(h.data(), static_cast<std::streamsize>(h.size()));
  h.resize(static_cast<std::size_t>(f.gcount()));
  return h;
}

const std::vector<std::pair<std::string, std::string>> kMembers = {
    {"C/Windows/System32/winevt/Logs/Security.evtx", std::string("ElfFile\0", 8) + "rest"},
    {"var/log/auth.log", "Jan  5 03:10:09 web1 sshd[1]: Accepted password for root\n"},
    {"notes/readme.txt", "hello"}};

std::vector<std::string> names_and_bytes(const std::string& path,
                                         const std::vector<std::string>& passwords = {}) {
  auto w = ArchiveWalker::open(path, passwords);
  EXPECT_TRUE(w.has_value()) << (w ? "" : w.error());
  std::vector<std::string> out;
  ArchiveMember m;
  while (true) {
    auto more = (*w)->next(m);
    EXPECT_TRUE(more.has_value());
    if (!more || !*more) break;
    auto bytes = (*w)->read();
    out.push_back(std::to_string(m.ordinal) + " " + m.name + " " +
                  (bytes ? std::to_string(bytes->size()) : "error: " + bytes.error()));
  }
  return out;
}

TEST(Archive, ZipSevenZipAndTarGzGiveTheirMembersInOrder) {
  for (auto [kind, name] :
       {std::pair{ArchiveKind::Zip, "c.zip"}, std::pair{ArchiveKind::SevenZip, "c.7z"},
        std::pair{ArchiveKind::TarGz, "c.tar.gz"}}) {
    const std::string p = tmp(name);
    write_archive(p, kind, kMembers);
    const std::string raw = head(p);
    EXPECT_TRUE(looks_like_archive(raw, decompress_head(raw), p)) << name;
    EXPECT_EQ(names_and_bytes(p),
              (std::vector<std::string>{"0 C/Windows/System32/winevt/Logs/Security.evtx 12",
                                        "1 var/log/auth.log 57", "2 notes/readme.txt 5"}))
        << name;
    auto listed = list_archive(p, {});
    ASSERT_TRUE(listed.has_value()) << name;
    ASSERT_EQ(listed->size(), 3u);
    EXPECT_EQ((*listed)[1].name, "var/log/auth.log");
    EXPECT_EQ((*listed)[1].mtime_ns, 1704423600LL * 1'000'000'000);
  }
}

TEST(Archive, ALoneCompressedLogIsNotAnArchive) {
  EXPECT_FALSE(
      looks_like_archive("Jan  5 03:10:09 web1 sshd", "Jan  5 03:10:09 web1 sshd", "auth.log"));
  const std::string gz("\x1f\x8b\x08\x00", 4);
  EXPECT_FALSE(looks_like_archive(gz, "Jan  5 03:10:09 web1 sshd", "auth.log.1.gz"));
  EXPECT_FALSE(looks_like_archive(std::string("ElfFile\0", 8), "", "x.evtx"));
  // Office documents are zips, but documents.
  const std::string docx =
      std::string("PK\x03\x04", 4) + std::string(26, '\0') + "[Content_Types].xml";
  EXPECT_FALSE(looks_like_archive(docx, docx, "report.docx"));
}

TEST(Archive, EncryptedZipOpensWithTheRightPasswordOnly) {
  const std::string p = tmp("infected.zip");
  write_archive(p, ArchiveKind::Zip, kMembers, "infected");
  EXPECT_EQ(names_and_bytes(p, {"wrong", "infected"}),
            (std::vector<std::string>{"0 C/Windows/System32/winevt/Logs/Security.evtx 12",
                                      "1 var/log/auth.log 57", "2 notes/readme.txt 5"}));
  const std::vector<std::string> without = names_and_bytes(p, {"wrong"});
  ASSERT_EQ(without.size(), 3u);
  for (const std::string& line : without)
    EXPECT_NE(line.find("error: "), std::string::npos) << line;
  EXPECT_NE(without[1].find("--archive-password"), std::string::npos) << without[1];
}

// ZipCrypto checks a password by one byte, so a wrong one passes once in 256 and libarchive, which
// takes the first password that passes, then fails to decompress. With 1,500 wrong passwords
// before the right one, some member of the three meets such a wrong password first (all but
// certainly: 1 - (255/256)^4500); every member must still read, by the right password alone.
TEST(Archive, AWrongPasswordThatPassesZipCryptosCheckDoesNotHideTheRightOne) {
  const std::string p = tmp("infected_many.zip");
  write_archive(p, ArchiveKind::Zip, kMembers, "infected");
  std::vector<std::string> passwords;
  for (int i = 0; i < 1500; ++i) passwords.push_back("wrong" + std::to_string(i));
  passwords.push_back("infected");
  EXPECT_EQ(names_and_bytes(p, passwords),
            (std::vector<std::string>{"0 C/Windows/System32/winevt/Logs/Security.evtx 12",
                                      "1 var/log/auth.log 57", "2 notes/readme.txt 5"}));
  passwords.pop_back();
  const std::vector<std::string> without = names_and_bytes(p, passwords);
  ASSERT_EQ(without.size(), 3u);
  for (const std::string& line : without)
    EXPECT_NE(line.find("--archive-password"), std::string::npos) << line;
}

TEST(Archive, AZipBombIsReportedAndNotFollowed) {
  const std::string p = tmp("bomb.zip");
  write_archive(p, ArchiveKind::Zip,
                {{"a.log", std::string(std::size_t{80} << 20, 'A')}, {"b.log", "after"}});
  auto w = ArchiveWalker::open(p, {});
  ASSERT_TRUE(w.has_value());
  ArchiveMember m;
  ASSERT_TRUE(*(*w)->next(m));
  auto bytes = (*w)->read();
  ASSERT_FALSE(bytes.has_value());
  EXPECT_TRUE((*w)->bomb());
  EXPECT_NE(bytes.error().find("zip bomb"), std::string::npos) << bytes.error();
}

TEST(Archive, AMemberBeyondTheBoundIsAnErrorAndTheNextStillReads) {
  const std::string p = tmp("big.tar.gz");
  write_archive(p, ArchiveKind::TarGz, {{"big.log", std::string(3 << 20, 'x')}, {"b.log", "ok"}});
  ArchiveLimits limits;
  limits.max_member = 1 << 20;
  auto w = ArchiveWalker::open(p, {}, limits);
  ASSERT_TRUE(w.has_value());
  ArchiveMember m;
  ASSERT_TRUE(*(*w)->next(m));
  auto big = (*w)->read();
  ASSERT_FALSE(big.has_value());
  EXPECT_NE(big.error().find("larger than 1 MiB"), std::string::npos) << big.error();
  EXPECT_FALSE((*w)->bomb());
  ASSERT_TRUE(*(*w)->next(m));
  EXPECT_EQ(*(*w)->read(), "ok");
}

TEST(Archive, DamagedArchivesAreErrorsNotCrashes) {
  const std::string whole_path = tmp("whole.zip");
  write_archive(whole_path, ArchiveKind::Zip, kMembers);
  std::ifstream f(whole_path, std::ios::binary);
  const std::string whole((std::istreambuf_iterator<char>(f)), {});
  for (std::size_t cut : {std::size_t{10}, whole.size() / 2, whole.size() - 10}) {
    const std::string p = tmp("cut.zip");
    std::ofstream(p, std::ios::binary | std::ios::trunc) << whole.substr(0, cut);
    auto w = ArchiveWalker::open(p, {});
    if (!w) continue;
    ArchiveMember m;
    for (int i = 0; i < 10; ++i) {
      auto more = (*w)->next(m);
      if (!more || !*more) break;
      (void)(*w)->read();
    }
  }
}

TEST(ByteSource, FromMemoryDecompressesGzip) {
  const std::string p = tmp("m.tar.gz");
  write_archive(p, ArchiveKind::TarGz, {{"a", "b"}});
  std::ifstream f(p, std::ios::binary);
  const std::string gz((std::istreambuf_iterator<char>(f)), {});
  auto src = ByteSource::from_memory(gz);
  EXPECT_EQ(src->compression(), ByteSource::Compression::Gzip);
  auto all = read_all(*src, 1 << 20);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->substr(0, 1), "a");  // the tar header's name
  auto plain = ByteSource::from_memory("line one\nline two\n");
  EXPECT_EQ(*read_all(*plain, 100), "line one\nline two\n");
}

}  // namespace
}  // namespace tansa::io
