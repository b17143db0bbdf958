#include "watch/state.h"

#include <sqlite3.h>

namespace tansa::watch {

namespace {

constexpr const char* kSchema = R"(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS files (
  path TEXT PRIMARY KEY, dev INTEGER NOT NULL, ino INTEGER NOT NULL, generation INTEGER NOT NULL,
  offset INTEGER NOT NULL, replay_from INTEGER NOT NULL, fingerprint INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS detections (key TEXT PRIMARY KEY, written_ns INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS detections_written ON detections (written_ns);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
)";

// SQLite stores signed 64-bit integers: unsigned positions go through their bit pattern.
sqlite3_int64 s64(std::uint64_t v) {
  return static_cast<sqlite3_int64>(v);
}
std::uint64_t u64(sqlite3_int64 v) {
  return static_cast<std::uint64_t>(v);
}

}  // namespace

std::string State::error(const char* what) const {
  return std::string("state database: ") + what + ": " + (db_ ? sqlite3_errmsg(db_) : "no handle");
}

std::expected<void, std::string> State::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string e = std::string("state database: ") + (msg ? msg : "error");
    sqlite3_free(msg);
    return std::unexpected(e);
  }
  return {};
}

std::expected<std::unique_ptr<State>, std::string> State::open(const std::string& path) {
  std::unique_ptr<State> s(new State());
  if (sqlite3_open_v2(path.c_str(), &s->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK)
    return std::unexpected(s->error(("cannot open " + path).c_str()));
  sqlite3_busy_timeout(s->db_, 5000);
  if (auto r = s->exec(kSchema); !r) return std::unexpected(r.error() + " (" + path + ")");
  struct Prep {
    sqlite3_stmt** stmt;
    const char* sql;
  };
  for (const Prep& p : {
           Prep{&s->insert_key_,
                "INSERT OR IGNORE INTO detections (key, written_ns) VALUES (?, ?)"},
           Prep{&s->find_key_, "SELECT 1 FROM detections WHERE key = ?"},
           Prep{&s->set_output_,
                "INSERT OR REPLACE INTO meta (name, value) VALUES ('output_length', ?)"},
           Prep{&s->upsert_file_,
                "INSERT OR REPLACE INTO files (path, dev, ino, generation, offset, replay_from, "
                "fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?)"},
       })
    if (sqlite3_prepare_v2(s->db_, p.sql, -1, p.stmt, nullptr) != SQLITE_OK)
      return std::unexpected(s->error("prepare"));
  return s;
}

State::~State() {
  for (sqlite3_stmt* st : {insert_key_, find_key_, set_output_, upsert_file_}) sqlite3_finalize(st);
  sqlite3_close(db_);
}

std::expected<std::vector<FileCheckpoint>, std::string> State::files() {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(
          db_, "SELECT path, dev, ino, generation, offset, replay_from, fingerprint FROM files", -1,
          &st, nullptr) != SQLITE_OK)
    return std::unexpected(error("read files"));
  std::vector<FileCheckpoint> out;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    FileCheckpoint f;
    f.path = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    f.at.dev = u64(sqlite3_column_int64(st, 1));
    f.at.ino = u64(sqlite3_column_int64(st, 2));
    f.at.generation = u64(sqlite3_column_int64(st, 3));
    f.at.offset = u64(sqlite3_column_int64(st, 4));
    f.replay_from = u64(sqlite3_column_int64(st, 5));
    f.fingerprint = u64(sqlite3_column_int64(st, 6));
    out.push_back(std::move(f));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return std::unexpected(error("read files"));
  return out;
}

std::expected<std::optional<std::uint64_t>, std::string> State::output_length() {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE name = 'output_length'", -1, &st,
                         nullptr) != SQLITE_OK)
    return std::unexpected(error("read output length"));
  std::optional<std::uint64_t> out;
  const int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) out = u64(sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return std::unexpected(error("read output length"));
  return out;
}

std::expected<bool, std::string> State::known(const std::string& key) {
  sqlite3_reset(find_key_);
  sqlite3_bind_text(find_key_, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(find_key_);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return std::unexpected(error("find detection"));
  return rc == SQLITE_ROW;
}

std::expected<bool, std::string> State::record(
    const std::string& key, std::int64_t now_ns,
    const std::function<std::optional<std::uint64_t>()>& write) {
  if (auto r = exec("BEGIN IMMEDIATE"); !r) return std::unexpected(r.error());
  auto fail = [&](std::string e) -> std::expected<bool, std::string> {
    (void)exec("ROLLBACK");
    return std::unexpected(std::move(e));
  };
  sqlite3_reset(insert_key_);
  sqlite3_bind_text(insert_key_, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(insert_key_, 2, now_ns);
  if (sqlite3_step(insert_key_) != SQLITE_DONE) return fail(error("record detection"));
  if (sqlite3_changes(db_) == 0) {
    if (auto r = exec("COMMIT"); !r) return std::unexpected(r.error());
    return false;  // written before
  }
  const std::optional<std::uint64_t> length = write();
  if (!length) return fail("the detection could not be written");
  sqlite3_reset(set_output_);
  sqlite3_bind_int64(set_output_, 1, s64(*length));
  if (sqlite3_step(set_output_) != SQLITE_DONE) return fail(error("record output length"));
  if (auto r = exec("COMMIT"); !r) return std::unexpected(r.error());
  return true;
}

std::expected<void, std::string> State::checkpoint(const std::vector<FileCheckpoint>& files,
                                                   std::int64_t forget_before_ns) {
  if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
  for (const FileCheckpoint& f : files) {
    sqlite3_reset(upsert_file_);
    sqlite3_bind_text(upsert_file_, 1, f.path.data(), static_cast<int>(f.path.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(upsert_file_, 2, s64(f.at.dev));
    sqlite3_bind_int64(upsert_file_, 3, s64(f.at.ino));
    sqlite3_bind_int64(upsert_file_, 4, s64(f.at.generation));
    sqlite3_bind_int64(upsert_file_, 5, s64(f.at.offset));
    sqlite3_bind_int64(upsert_file_, 6, s64(f.replay_from));
    sqlite3_bind_int64(upsert_file_, 7, s64(f.fingerprint));
    if (sqlite3_step(upsert_file_) != SQLITE_DONE) {
      std::string e = error("save file position");
      (void)exec("ROLLBACK");
      return std::unexpected(e);
    }
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "DELETE FROM detections WHERE written_ns < ?", -1, &st, nullptr) !=
      SQLITE_OK) {
    std::string e = error("forget old detections");
    (void)exec("ROLLBACK");
    return std::unexpected(e);
  }
  sqlite3_bind_int64(st, 1, forget_before_ns);
  const int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    std::string e = error("forget old detections");
    (void)exec("ROLLBACK");
    return std::unexpected(e);
  }
  return exec("COMMIT");
}

}  // namespace tansa::watch
