#include "investigate/casedb.h"

#include <sqlite3.h>

#include <array>
#include <filesystem>

namespace tansa::investigate {

namespace {

// One column of a fact table: its SQL name and the Fact member behind it.
struct Column {
  const char* name;
  std::string Fact::*text = nullptr;
  std::int64_t Fact::*number = nullptr;
};

struct Table {
  FactKind kind;
  const char* name;
  std::vector<Column> columns;
};

const std::vector<Table>& tables() {
  using F = Fact;
  static const std::vector<Table> kTables = {
      {FactKind::Logon,
       "logons",
       {{"outcome", &F::outcome},
        {"user", &F::user},
        {"domain", &F::domain},
        {"logon_type", nullptr, &F::logon_type},
        {"src_ip", &F::src_ip},
        {"workstation", &F::workstation},
        {"auth", &F::extra},
        {"logon_id", &F::detail},
        {"target_user", &F::target},
        {"target_server", &F::object}}},
      {FactKind::Process,
       "processes",
       {{"user", &F::user},
        {"run_as", &F::target},
        {"image", &F::object},
        {"command_line", &F::detail},
        {"parent_image", &F::extra},
        {"logon_id", &F::workstation}}},
      {FactKind::FileAccess,
       "file_access",
       {{"user", &F::user},
        {"domain", &F::domain},
        {"share", &F::object},
        {"path", &F::detail},
        {"src_ip", &F::src_ip},
        {"access", &F::extra},
        {"logon_id", &F::workstation}}},
      {FactKind::Flow,
       "flows",
       {{"src_ip", &F::src_ip},
        {"dst_ip", &F::dst_ip},
        {"dst_port", nullptr, &F::port},
        {"proto", &F::object},
        {"service", &F::extra},
        {"state", &F::outcome},
        {"bytes_out", nullptr, &F::bytes_out},
        {"bytes_in", nullptr, &F::bytes_in}}},
      {FactKind::Vpn,
       "vpn",
       {{"action", &F::outcome},
        {"user", &F::user},
        {"remote_ip", &F::src_ip},
        {"tunnel_ip", &F::dst_ip},
        {"country", &F::extra},
        {"bytes_out", nullptr, &F::bytes_out},
        {"bytes_in", nullptr, &F::bytes_in}}},
      {FactKind::AccountChange,
       "account_changes",
       {{"action", &F::outcome},
        {"user", &F::user},
        {"logon_id", &F::workstation},
        {"account", &F::target},
        {"group_name", &F::object}}},
      {FactKind::Tamper,
       "tampering",
       {{"kind", &F::outcome},
        {"user", &F::user},
        {"logon_id", &F::workstation},
        {"log", &F::object},
        {"detail", &F::detail}}},
      {FactKind::Cloud,
       "cloud",
       {{"operation", &F::outcome},
        {"user", &F::user},
        {"client_ip", &F::src_ip},
        {"object", &F::object},
        {"workload", &F::extra},
        {"result", &F::detail}}},
  };
  return kTables;
}

const Table& table_of(FactKind k) {
  return tables()[static_cast<std::size_t>(k)];
}

// Columns every fact table starts with.
constexpr const char* kCommon =
    "ts INTEGER NOT NULL, time TEXT NOT NULL, host TEXT, channel TEXT, event_id INTEGER, "
    "file INTEGER, position INTEGER, position_kind TEXT";

const char* kind_text(SourceRef::Kind k) {
  switch (k) {
    case SourceRef::Kind::Record:
      return "record";
    case SourceRef::Kind::Line:
      return "line";
    default:
      return "offset";
  }
}

SourceRef::Kind kind_of(std::string_view s) {
  if (s == "record") return SourceRef::Kind::Record;
  if (s == "line") return SourceRef::Kind::Line;
  return SourceRef::Kind::Offset;
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

const char* table_name(FactKind k) {
  return table_of(k).name;
}

struct CaseDb::Impl {
  sqlite3* db = nullptr;
  std::array<sqlite3_stmt*, 8> insert{};
  sqlite3_stmt* detection = nullptr;

  ~Impl() {
    for (auto* s : insert) sqlite3_finalize(s);
    sqlite3_finalize(detection);
    sqlite3_close(db);
  }
  bool exec(const std::string& sql, std::string& err) const {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      err = msg ? msg : "sqlite error";
      sqlite3_free(msg);
      return false;
    }
    return true;
  }
};

std::expected<std::unique_ptr<CaseDb>, std::string> CaseDb::create(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  std::unique_ptr<CaseDb> c(new CaseDb());
  c->impl_ = std::make_unique<Impl>();
  Impl& m = *c->impl_;
  if (sqlite3_open(path.c_str(), &m.db) != SQLITE_OK)
    return std::unexpected(path + ": " + sqlite3_errmsg(m.db));
  std::string err;
  std::string schema =
      "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536;"
      "CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT NOT NULL);";
  for (const Table& t : tables()) {
    schema += std::string("CREATE TABLE ") + t.name + "(" + kCommon;
    for (const Column& col : t.columns)
      schema += std::string(", ") + col.name + (col.number ? " INTEGER" : " TEXT");
    schema += ");";
  }
  schema +=
      "CREATE TABLE detections(ts INTEGER NOT NULL, time TEXT NOT NULL, rule_id TEXT, title TEXT, "
      "level TEXT, host TEXT, fields TEXT, file INTEGER, position INTEGER, position_kind TEXT);"
      "CREATE TABLE coverage(host TEXT, source TEXT, events INTEGER, first TEXT, last TEXT, "
      "first_ts INTEGER, last_ts INTEGER);"
      "CREATE TABLE activity(host TEXT, source TEXT, start TEXT, end TEXT, start_ts INTEGER, "
      "end_ts INTEGER);"
      "CREATE TABLE record_runs(host TEXT, source TEXT, first_record INTEGER, last_record INTEGER, "
      "first_time TEXT, last_time TEXT);"
      "CREATE TABLE event_counts(host TEXT, source TEXT, event_id INTEGER, events INTEGER);"
      "CREATE TABLE findings(json TEXT);"
      "BEGIN;";
  if (!m.exec(schema, err)) return std::unexpected(path + ": " + err);
  for (const Table& t : tables()) {
    std::string sql = std::string("INSERT INTO ") + t.name + " VALUES(?,?,?,?,?,?,?,?";
    for (std::size_t i = 0; i < t.columns.size(); ++i) sql += ",?";
    sql += ")";
    if (sqlite3_prepare_v2(m.db, sql.c_str(), -1, &m.insert[static_cast<std::size_t>(t.kind)],
                           nullptr) != SQLITE_OK)
      return std::unexpected(sqlite3_errmsg(m.db));
  }
  if (sqlite3_prepare_v2(m.db, "INSERT INTO detections VALUES(?,?,?,?,?,?,?,?,?,?)", -1,
                         &m.detection, nullptr) != SQLITE_OK)
    return std::unexpected(sqlite3_errmsg(m.db));
  return c;
}

CaseDb::~CaseDb() = default;

void CaseDb::add_files(const std::vector<std::string>& paths) {
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(impl_->db, "INSERT INTO files VALUES(?,?)", -1, &s, nullptr);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    sqlite3_bind_int64(s, 1, static_cast<std::int64_t>(i));
    sqlite3_bind_text(s, 2, paths[i].data(), static_cast<int>(paths[i].size()), SQLITE_TRANSIENT);
    sqlite3_step(s);
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
}

void CaseDb::add_facts(const std::vector<Fact>& facts) {
  for (const Fact& f : facts) {
    sqlite3_stmt* s = impl_->insert[static_cast<std::size_t>(f.kind)];
    const std::string time = format_time(f.time_ns);
    sqlite3_bind_int64(s, 1, f.time_ns);
    sqlite3_bind_text(s, 2, time.data(), static_cast<int>(time.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, f.host.data(), static_cast<int>(f.host.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 4, f.channel.data(), static_cast<int>(f.channel.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, f.event_id);
    sqlite3_bind_int64(s, 6, f.source.file);
    sqlite3_bind_int64(s, 7, static_cast<std::int64_t>(f.source.position));
    sqlite3_bind_text(s, 8, kind_text(f.source.kind), -1, SQLITE_STATIC);
    int i = 9;
    for (const Column& c : table_of(f.kind).columns) {
      if (c.number) {
        sqlite3_bind_int64(s, i++, f.*c.number);
      } else {
        const std::string& v = f.*c.text;
        sqlite3_bind_text(s, i++, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
      }
    }
    if (sqlite3_step(s) != SQLITE_DONE && error_.empty()) error_ = sqlite3_errmsg(impl_->db);
    sqlite3_reset(s);
  }
}

void CaseDb::add_detection(const Detection& d, const RuleInfo& rule) {
  sqlite3_stmt* s = impl_->detection;
  std::string fields = "{";
  for (const auto& [k, v] : d.fields) {
    if (fields.size() > 1) fields += ',';
    fields += '"' + json_escape(k) + "\":\"" + json_escape(v) + '"';
  }
  fields += '}';
  const std::string time = format_time(d.time_ns);
  const std::string level(to_string(rule.level));
  sqlite3_bind_int64(s, 1, d.time_ns);
  sqlite3_bind_text(s, 2, time.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 3, rule.id.c_str(), -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 4, rule.title.c_str(), -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 5, level.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 6, d.host.c_str(), -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 7, fields.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 8, d.source.file);
  sqlite3_bind_int64(s, 9, static_cast<std::int64_t>(d.source.position));
  sqlite3_bind_text(s, 10, kind_text(d.source.kind), -1, SQLITE_STATIC);
  sqlite3_step(s);
  sqlite3_reset(s);
}

void CaseDb::add_streams(const std::vector<Stream>& streams) {
  sqlite3* db = impl_->db;
  sqlite3_stmt *cov = nullptr, *act = nullptr, *rec = nullptr, *ids = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO coverage VALUES(?,?,?,?,?,?,?)", -1, &cov, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO activity VALUES(?,?,?,?,?,?)", -1, &act, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO record_runs VALUES(?,?,?,?,?,?)", -1, &rec, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO event_counts VALUES(?,?,?,?)", -1, &ids, nullptr);
  auto text = [](sqlite3_stmt* s, int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.c_str(), -1, SQLITE_TRANSIENT);
  };
  for (const Stream& st : streams) {
    if (st.active.empty()) continue;
    text(cov, 1, st.host);
    text(cov, 2, st.source);
    sqlite3_bind_int64(cov, 3, static_cast<std::int64_t>(st.events));
    text(cov, 4, format_time(st.active.front().start));
    text(cov, 5, format_time(st.active.back().end));
    sqlite3_bind_int64(cov, 6, st.active.front().start);
    sqlite3_bind_int64(cov, 7, st.active.back().end);
    sqlite3_step(cov);
    sqlite3_reset(cov);
    for (const Interval& i : st.active) {
      text(act, 1, st.host);
      text(act, 2, st.source);
      text(act, 3, format_time(i.start));
      text(act, 4, format_time(i.end));
      sqlite3_bind_int64(act, 5, i.start);
      sqlite3_bind_int64(act, 6, i.end);
      sqlite3_step(act);
      sqlite3_reset(act);
    }
    for (const RecordRun& r : st.records) {
      text(rec, 1, st.host);
      text(rec, 2, st.source);
      sqlite3_bind_int64(rec, 3, static_cast<std::int64_t>(r.first));
      sqlite3_bind_int64(rec, 4, static_cast<std::int64_t>(r.last));
      text(rec, 5, format_time(r.first_time));
      text(rec, 6, format_time(r.last_time));
      sqlite3_step(rec);
      sqlite3_reset(rec);
    }
    for (auto [id, n] : st.event_ids) {
      text(ids, 1, st.host);
      text(ids, 2, st.source);
      sqlite3_bind_int64(ids, 3, id);
      sqlite3_bind_int64(ids, 4, static_cast<std::int64_t>(n));
      sqlite3_step(ids);
      sqlite3_reset(ids);
    }
  }
  for (auto* s : {cov, act, rec, ids}) sqlite3_finalize(s);
}

std::expected<void, std::string> CaseDb::finish_loading() {
  std::string err;
  std::string sql = "COMMIT;";
  // The indexes the analysis queries by (and an analyst is likely to): time, evidence
  // reference, account (case-insensitive), addresses (canonical text, so binary), and the logon
  // id within a host that ties processes and file access to a session.
  for (const Table& t : tables()) {
    const std::string n = t.name;
    sql += "CREATE INDEX " + n + "_ts ON " + n + "(ts);";
    sql += "CREATE INDEX " + n + "_ref ON " + n + "(file, position);";
    bool logon_id = false;
    for (const Column& c : t.columns) {
      const std::string col = c.name;
      if (col == "user" || col == "workstation")
        sql += "CREATE INDEX " + n + "_" + col + " ON " + n + "(" + col + " COLLATE NOCASE, ts);";
      if (col == "src_ip" || col == "dst_ip" || col == "remote_ip" || col == "tunnel_ip" ||
          col == "client_ip")
        sql += "CREATE INDEX " + n + "_" + col + " ON " + n + "(" + col + ", ts);";
      logon_id = logon_id || col == "logon_id";
    }
    if (logon_id)
      sql += "CREATE INDEX " + n + "_session ON " + n + "(host, logon_id COLLATE NOCASE);";
    if (t.kind == FactKind::Process || t.kind == FactKind::FileAccess)
      sql += "CREATE INDEX " + n + "_host ON " + n + "(host, ts);";
  }
  sql += "BEGIN;";
  if (!impl_->exec(sql, err)) return std::unexpected(err);
  if (!error_.empty()) return std::unexpected(error_);
  return {};
}

void CaseDb::add_findings(const std::string& json) {
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(impl_->db, "INSERT INTO findings VALUES(?)", -1, &s, nullptr);
  sqlite3_bind_text(s, 1, json.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_step(s);
  sqlite3_finalize(s);
  std::string err;
  impl_->exec("COMMIT; BEGIN;", err);
}

void CaseDb::query(FactKind kind, const std::string& where, const std::vector<std::string>& params,
                   const std::function<void(const Fact&)>& each) const {
  const Table& t = table_of(kind);
  std::string sql = "SELECT ts, host, channel, event_id, file, position, position_kind";
  for (const Column& c : t.columns) sql += std::string(", ") + c.name;
  sql += std::string(" FROM ") + t.name;
  if (!where.empty()) sql += " WHERE " + where;
  sql += " ORDER BY ts, file, position";
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(impl_->db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) return;
  for (std::size_t i = 0; i < params.size(); ++i)
    sqlite3_bind_text(s, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
  auto col_text = [&](int i) {
    const unsigned char* p = sqlite3_column_text(s, i);
    return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
  };
  while (sqlite3_step(s) == SQLITE_ROW) {
    Fact f;
    f.kind = kind;
    f.time_ns = sqlite3_column_int64(s, 0);
    f.host = col_text(1);
    f.channel = col_text(2);
    f.event_id = sqlite3_column_int64(s, 3);
    f.source.file = static_cast<std::uint32_t>(sqlite3_column_int64(s, 4));
    f.source.position = static_cast<std::uint64_t>(sqlite3_column_int64(s, 5));
    f.source.kind = kind_of(col_text(6));
    int i = 7;
    for (const Column& c : t.columns) {
      if (c.number)
        f.*c.number = sqlite3_column_int64(s, i++);
      else
        f.*c.text = col_text(i++);
    }
    each(f);
  }
  sqlite3_finalize(s);
}

std::int64_t CaseDb::scalar(const std::string& sql, const std::vector<std::string>& params) const {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(impl_->db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) return 0;
  for (std::size_t i = 0; i < params.size(); ++i)
    sqlite3_bind_text(s, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
  std::int64_t v = 0;
  if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return v;
}

}  // namespace tansa::investigate
