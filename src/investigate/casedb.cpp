#include "investigate/casedb.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <array>
#include <filesystem>

#include "investigate/factindex.h"

namespace tansa::investigate {

namespace {

// One column of a fact table: its SQL name and the Fact member behind it.
struct Column {
  const char* name;
  std::string Fact::*text = nullptr;
  std::int64_t Fact::*number = nullptr;
  std::size_t slot = text_slot(text);  // in a FactBatch
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
        {"logon_id", &F::workstation},
        {"cwd", &F::cwd}}},
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
        {"result", &F::detail},
        {"items", nullptr, &F::items}}},
      {FactKind::Address,
       "host_addresses",
       {{"name", &F::object}, {"address", &F::src_ip}, {"how", &F::outcome}}},
  };
  return kTables;
}

const Table& table_of(FactKind k) {
  return tables()[static_cast<std::size_t>(k)];
}

// The statements of the case database's own, besides those the table above generates.
constexpr const char* kInsertFiles = "INSERT INTO files VALUES(?,?)";
constexpr const char* kInsertDetection = "INSERT INTO detections VALUES(?,?,?,?,?,?,?,?,?,?)";
constexpr const char* kInsertCoverage = "INSERT INTO coverage VALUES(?,?,?,?,?,?,?)";
constexpr const char* kInsertActivity = "INSERT INTO activity VALUES(?,?,?,?,?,?)";
constexpr const char* kInsertRecordRuns = "INSERT INTO record_runs VALUES(?,?,?,?,?,?)";
constexpr const char* kInsertEventCounts = "INSERT INTO event_counts VALUES(?,?,?,?)";
constexpr const char* kInsertFindings = "INSERT INTO findings VALUES(?)";

// The insert of one fact table: the common columns, then the table's.
std::string insert_sql(const Table& t) {
  std::string sql = std::string("INSERT INTO ") + t.name + " VALUES(?,?,?,?,?,?,?,?";
  for (std::size_t i = 0; i < t.columns.size(); ++i) sql += ",?";
  return sql + ")";
}

// The SELECT behind CaseDb::query: the common columns, then the table's, in time order.
std::string select_sql(const Table& t, const std::string& where) {
  std::string sql = "SELECT ts, host, channel, event_id, file, position, position_kind";
  for (const Column& c : t.columns) sql += std::string(", ") + c.name;
  sql += std::string(" FROM ") + t.name;
  if (!where.empty()) sql += " WHERE " + where;
  return sql + " ORDER BY ts, file, position";
}

// Columns every fact table starts with.
constexpr const char* kCommon =
    "ts INTEGER NOT NULL, time TEXT NOT NULL, host TEXT, channel TEXT, event_id INTEGER, "
    "file INTEGER, position INTEGER, position_kind TEXT";

const char* kind_text(SourceRef::Kind k) {
  return to_string(k).data();
}

SourceRef::Kind kind_of(std::string_view s) {
  return parse_source_kind(s).value_or(SourceRef::Kind::Offset);
}

// Appends `s` as the inside of a JSON string.
void append_json_escaped(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
}

// Text is bound and read with its length: a value with a NUL byte in it stays whole, so a query for
// it finds it (a value cut at the NUL would find nothing, and "nothing" can become an answer).
void bind_text(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
// The same without a copy, for values that outlive the statement's next step.
void bind_static(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}
std::string column_text(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

// A prepared statement that finalizes itself.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s); }
};

}  // namespace

const char* table_name(FactKind k) {
  return table_of(k).name;
}

struct CaseDb::Impl {
  sqlite3* db = nullptr;
  std::array<sqlite3_stmt*, kFactKinds> insert{};
  sqlite3_stmt* detection = nullptr;
  std::string fields;                                        // add_detection's buffer
  mutable std::array<sqlite3_stmt*, kFactKinds> by_rowid{};  // prepared on first fetch

  ~Impl() {
    for (auto* s : insert) sqlite3_finalize(s);
    for (auto* s : by_rowid) sqlite3_finalize(s);
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
  std::expected<void, std::string> prepare(const std::string& sql, Stmt& st) const {
    if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &st.s, nullptr) !=
        SQLITE_OK)
      return std::unexpected(std::string("case database: ") + sqlite3_errmsg(db) + " in: " + sql);
    return {};
  }
};

// Keeps the first failure; finish_loading reports it, so a write that failed is never a quiet
// hole in the facts.
bool CaseDb::step_insert(sqlite3_stmt* s, const char* what) {
  const int rc = s ? sqlite3_step(s) : SQLITE_MISUSE;
  if (rc != SQLITE_DONE && error_.empty())
    error_ = std::string("case database: writing ") + what + ": " + sqlite3_errmsg(impl_->db);
  if (s) sqlite3_reset(s);
  return rc == SQLITE_DONE;
}

std::expected<std::unique_ptr<CaseDb>, std::string> CaseDb::create(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
  std::unique_ptr<CaseDb> c(new CaseDb());
  c->impl_ = std::make_unique<Impl>();
  Impl& m = *c->impl_;
  // SQLite's count of the memory it holds takes a process-wide mutex on every allocation, and a
  // case database is built by one thread at a time (the writer, then the analysis), so neither
  // the count nor the connection's own mutex is needed. The first is a setting of the library,
  // refused (and harmless) once SQLite is in use in the process.
  (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  if (sqlite3_open_v2(path.c_str(), &m.db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK)
    return std::unexpected(path + ": " + sqlite3_errmsg(m.db));
  std::string err;
  std::string schema =
      "PRAGMA page_size=65536; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
      "PRAGMA cache_size=-16384; PRAGMA locking_mode=EXCLUSIVE;"
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
    const std::string sql = insert_sql(t);
    if (sqlite3_prepare_v2(m.db, sql.c_str(), -1, &m.insert[static_cast<std::size_t>(t.kind)],
                           nullptr) != SQLITE_OK)
      return std::unexpected(sqlite3_errmsg(m.db));
  }
  if (sqlite3_prepare_v2(m.db, kInsertDetection, -1, &m.detection, nullptr) != SQLITE_OK)
    return std::unexpected(sqlite3_errmsg(m.db));
  return c;
}

CaseDb::~CaseDb() = default;

void CaseDb::add_files(const std::vector<std::string>& paths) {
  Stmt st;
  if (auto r = impl_->prepare(kInsertFiles, st); !r) {
    if (error_.empty()) error_ = r.error();
    return;
  }
  for (std::size_t i = 0; i < paths.size(); ++i) {
    sqlite3_bind_int64(st.s, 1, static_cast<std::int64_t>(i));
    bind_text(st.s, 2, paths[i]);
    step_insert(st.s, "files");
  }
}

void CaseDb::add_facts(const std::vector<Fact>& facts) {
  FactBatch batch;
  for (const Fact& f : facts) batch.add(f);
  add_facts(batch);
}

namespace {

// A number column's value in a packed row.
std::int64_t row_number(const FactBatch::Row& r, std::int64_t Fact::*m) {
  if (m == &Fact::logon_type) return r.logon_type;
  if (m == &Fact::port) return r.port;
  if (m == &Fact::bytes_out) return r.bytes_out;
  if (m == &Fact::bytes_in) return r.bytes_in;
  if (m == &Fact::items) return r.items;
  return r.event_id;
}

}  // namespace

void CaseDb::add_facts(const FactBatch& facts) {
  add_facts(facts, nullptr);
}

void CaseDb::add_facts(const FactBatch& facts, FactIndex& index) {
  add_facts(facts, &index);
}

void CaseDb::add_facts(const FactBatch& facts, FactIndex* index) {
  static constexpr std::size_t kHost = text_slot(&Fact::host);
  static constexpr std::size_t kChannel = text_slot(&Fact::channel);
  for (std::size_t n = 0; n < facts.size(); ++n) {
    const FactBatch::Row& f = facts.row(n);
    sqlite3_stmt* s = impl_->insert[static_cast<std::size_t>(f.kind)];
    const std::string time = format_time(f.time_ns);
    sqlite3_bind_int64(s, 1, f.time_ns);
    bind_static(s, 2, time);
    bind_static(s, 3, facts.text(n, kHost));
    bind_static(s, 4, facts.text(n, kChannel));
    sqlite3_bind_int64(s, 5, f.event_id);
    sqlite3_bind_int64(s, 6, f.source.file);
    sqlite3_bind_int64(s, 7, static_cast<std::int64_t>(f.source.position));
    sqlite3_bind_text(s, 8, kind_text(f.source.kind), -1, SQLITE_STATIC);
    int i = 9;
    for (const Column& c : table_of(f.kind).columns) {
      if (c.number)
        sqlite3_bind_int64(s, i++, row_number(f, c.number));
      else
        bind_static(s, i++, facts.text(n, c.slot));
    }
    if (step_insert(s, table_of(f.kind).name) && index)
      index->add(facts, n, sqlite3_last_insert_rowid(impl_->db));
  }
}

void CaseDb::add_detection(const Detection& d, const RuleInfo& rule) {
  sqlite3_stmt* s = impl_->detection;
  std::string& fields = impl_->fields;  // reused: one detection's JSON at a time
  fields.assign(1, '{');
  for (const auto& [k, v] : d.fields) {
    if (fields.size() > 1) fields += ',';
    fields += '"';
    append_json_escaped(fields, k);
    fields += "\":\"";
    append_json_escaped(fields, v);
    fields += '"';
  }
  fields += '}';
  sqlite3_bind_int64(s, 1, d.time_ns);
  const std::string time = format_time(d.time_ns);
  bind_static(s, 2, time);
  bind_static(s, 3, rule.id);
  bind_static(s, 4, rule.title);
  bind_static(s, 5, to_string(rule.level));  // a constant
  bind_static(s, 6, d.host);
  bind_static(s, 7, fields);
  sqlite3_bind_int64(s, 8, d.source.file);
  sqlite3_bind_int64(s, 9, static_cast<std::int64_t>(d.source.position));
  sqlite3_bind_text(s, 10, kind_text(d.source.kind), -1, SQLITE_STATIC);
  step_insert(s, "detections");
}

void CaseDb::add_streams(const std::vector<Stream>& streams) {
  Stmt cov, act, rec, ids;
  for (auto [st, sql] : {std::pair{&cov, kInsertCoverage}, std::pair{&act, kInsertActivity},
                         std::pair{&rec, kInsertRecordRuns}, std::pair{&ids, kInsertEventCounts}})
    if (auto r = impl_->prepare(sql, *st); !r) {
      if (error_.empty()) error_ = r.error();
      return;
    }
  for (const Stream& st : streams) {
    if (st.active.empty()) continue;
    bind_text(cov.s, 1, st.host);
    bind_text(cov.s, 2, st.source);
    sqlite3_bind_int64(cov.s, 3, static_cast<std::int64_t>(st.events));
    bind_text(cov.s, 4, format_time(st.active.front().start));
    bind_text(cov.s, 5, format_time(st.active.back().end));
    sqlite3_bind_int64(cov.s, 6, st.active.front().start);
    sqlite3_bind_int64(cov.s, 7, st.active.back().end);
    step_insert(cov.s, "coverage");
    for (const Interval& i : st.active) {
      bind_text(act.s, 1, st.host);
      bind_text(act.s, 2, st.source);
      bind_text(act.s, 3, format_time(i.start));
      bind_text(act.s, 4, format_time(i.end));
      sqlite3_bind_int64(act.s, 5, i.start);
      sqlite3_bind_int64(act.s, 6, i.end);
      step_insert(act.s, "activity");
    }
    for (const RecordRun& r : st.records) {
      bind_text(rec.s, 1, st.host);
      bind_text(rec.s, 2, st.source);
      sqlite3_bind_int64(rec.s, 3, static_cast<std::int64_t>(r.first));
      sqlite3_bind_int64(rec.s, 4, static_cast<std::int64_t>(r.last));
      bind_text(rec.s, 5, format_time(r.first_time));
      bind_text(rec.s, 6, format_time(r.last_time));
      step_insert(rec.s, "record_runs");
    }
    for (auto [id, n] : st.event_ids) {
      bind_text(ids.s, 1, st.host);
      bind_text(ids.s, 2, st.source);
      sqlite3_bind_int64(ids.s, 3, id);
      sqlite3_bind_int64(ids.s, 4, static_cast<std::int64_t>(n));
      step_insert(ids.s, "event_counts");
    }
  }
}

// The indexes the analysis's queries search by (src/investigate/queries.h; every query's plan
// is checked to use one in tests/unit/investigate/queries_test.cpp), and no more: each index is
// a sort of its whole table, the largest cost of loading. Small tables (account changes,
// tampering, learned addresses) are scanned. Analysts add their own (docs/case-db.md).
const std::vector<std::pair<const char*, const char*>>& analysis_indexes() {
  static const std::vector<std::pair<const char*, const char*>> k = {
      {"logons_ref", "logons(file, position)"},
      {"logons_src_ip", "logons(src_ip, ts)"},
      {"logons_user", "logons(user COLLATE NOCASE, ts)"},
      {"logons_workstation", "logons(workstation COLLATE NOCASE, ts)"},
      {"logons_session", "logons(host, logon_id COLLATE NOCASE)"},
      {"vpn_ref", "vpn(file, position)"},
      {"vpn_remote_ip", "vpn(remote_ip, ts)"},
      {"vpn_tunnel_ip", "vpn(tunnel_ip, ts)"},
      {"vpn_user", "vpn(user COLLATE NOCASE, ts)"},
      {"cloud_ref", "cloud(file, position)"},
      {"cloud_client_ip", "cloud(client_ip, ts)"},
      {"cloud_user", "cloud(user COLLATE NOCASE, ts)"},
      {"processes_host", "processes(host, ts)"},
      {"processes_user", "processes(user COLLATE NOCASE, ts)"},
      {"file_access_src_ip", "file_access(src_ip, ts)"},
      {"file_access_user", "file_access(user COLLATE NOCASE, ts)"},
      {"file_access_session", "file_access(host, logon_id COLLATE NOCASE)"},
      {"flows_src_ip", "flows(src_ip, ts)"},
      {"flows_dst_ip", "flows(dst_ip, ts)"},
  };
  return k;
}

std::expected<void, std::string> CaseDb::finish_loading() {
  if (auto r = end_loading(); !r) return r;
  return build_indexes();
}

std::expected<void, std::string> CaseDb::end_loading() {
  std::string err;
  if (!error_.empty()) return std::unexpected(error_);
  if (!impl_->exec("COMMIT; BEGIN;", err)) return std::unexpected("case database: " + err);
  return {};
}

std::expected<void, std::string> CaseDb::build_indexes(unsigned helpers) {
  std::string err;
  std::string sql = fmt::format("PRAGMA threads={}; COMMIT;", helpers);
  for (const auto& [name, on] : analysis_indexes())
    sql += std::string("CREATE INDEX ") + name + " ON " + on + ";";
  sql += "BEGIN;";
  if (!error_.empty()) return std::unexpected(error_);
  if (!impl_->exec(sql, err)) return std::unexpected("case database: " + err);
  return {};
}

std::expected<void, std::string> CaseDb::add_findings(const std::string& json) {
  Stmt st;
  if (auto r = impl_->prepare(kInsertFindings, st); !r) return r;
  bind_text(st.s, 1, json);
  step_insert(st.s, "findings");
  std::string err;
  if (!error_.empty()) return std::unexpected(error_);
  if (!impl_->exec("COMMIT; BEGIN;", err)) return std::unexpected("case database: " + err);
  return {};
}

namespace {

// The fact in the current row of select_sql's statement.
Fact fact_of_row(sqlite3_stmt* s, const Table& t) {
  Fact f;
  f.kind = t.kind;
  f.time_ns = sqlite3_column_int64(s, 0);
  f.host = column_text(s, 1);
  f.channel = column_text(s, 2);
  f.event_id = sqlite3_column_int64(s, 3);
  f.source.file = static_cast<std::uint32_t>(sqlite3_column_int64(s, 4));
  f.source.position = static_cast<std::uint64_t>(sqlite3_column_int64(s, 5));
  f.source.kind = kind_of(column_text(s, 6));
  int i = 7;
  for (const Column& c : t.columns) {
    if (c.number)
      f.*c.number = sqlite3_column_int64(s, i++);
    else
      f.*c.text = column_text(s, i++);
  }
  return f;
}

}  // namespace

std::expected<Fact, std::string> CaseDb::fetch(FactKind kind, std::int64_t rowid) const {
  const Table& t = table_of(kind);
  sqlite3_stmt*& s = impl_->by_rowid[static_cast<std::size_t>(kind)];
  if (!s) {
    // select_sql's columns; its ORDER BY is moot for one row.
    const std::string sql = select_sql(t, "rowid = ?");
    if (sqlite3_prepare_v2(impl_->db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      return std::unexpected(std::string("case database: ") + sqlite3_errmsg(impl_->db) +
                             " in: " + sql);
  }
  sqlite3_bind_int64(s, 1, rowid);
  const int rc = sqlite3_step(s);
  std::expected<Fact, std::string> out;
  if (rc == SQLITE_ROW)
    out = fact_of_row(s, t);
  else if (rc == SQLITE_DONE)
    out = std::unexpected(std::string("case database: no row ") + std::to_string(rowid) + " in " +
                          t.name);
  else
    out = std::unexpected(std::string("case database: reading ") + t.name + ": " +
                          sqlite3_errmsg(impl_->db));
  sqlite3_reset(s);
  return out;
}

std::expected<void, std::string> CaseDb::query(FactKind kind, const std::string& where,
                                               const std::vector<std::string>& params,
                                               const std::function<void(const Fact&)>& each) const {
  const Table& t = table_of(kind);
  const std::string sql = select_sql(t, where);
  Stmt st;
  if (auto r = impl_->prepare(sql, st); !r) return r;
  sqlite3_stmt* s = st.s;
  for (std::size_t i = 0; i < params.size(); ++i) bind_text(s, static_cast<int>(i + 1), params[i]);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) each(fact_of_row(s, t));
  if (rc != SQLITE_DONE)
    return std::unexpected(std::string("case database: ") + sqlite3_errmsg(impl_->db) +
                           " in: " + sql);
  return {};
}

std::expected<void, std::string> CaseDb::prepare(FactKind kind, const std::string& where) const {
  return prepare(select_sql(table_of(kind), where));
}

std::expected<void, std::string> CaseDb::prepare(const std::string& sql) const {
  Stmt st;
  return impl_->prepare(sql, st);
}

std::vector<std::pair<std::string, std::string>> CaseDb::statements() {
  std::vector<std::pair<std::string, std::string>> out = {
      {"insert_files", kInsertFiles},
      {"insert_detection", kInsertDetection},
      {"insert_coverage", kInsertCoverage},
      {"insert_activity", kInsertActivity},
      {"insert_record_runs", kInsertRecordRuns},
      {"insert_event_counts", kInsertEventCounts},
      {"insert_findings", kInsertFindings}};
  for (const Table& t : tables()) out.emplace_back(std::string("insert_") + t.name, insert_sql(t));
  return out;
}

std::expected<std::int64_t, std::string> CaseDb::scalar(
    const std::string& sql, const std::vector<std::string>& params) const {
  Stmt st;
  if (auto r = impl_->prepare(sql, st); !r) return std::unexpected(r.error());
  for (std::size_t i = 0; i < params.size(); ++i)
    bind_text(st.s, static_cast<int>(i + 1), params[i]);
  const int rc = sqlite3_step(st.s);
  if (rc == SQLITE_ROW) return sqlite3_column_int64(st.s, 0);
  if (rc == SQLITE_DONE) return std::unexpected("case database: no row from: " + sql);
  return std::unexpected(std::string("case database: ") + sqlite3_errmsg(impl_->db) +
                         " in: " + sql);
}

}  // namespace tansa::investigate
