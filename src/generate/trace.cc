#include "generate/trace.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "base/clock.h"
#include "base/strings.h"
#include "sql/statement.h"

namespace strata {

std::vector<std::string> LockBlocks(const std::string& mode) {
  // PostgreSQL's conflict table, by what the application does: SELECT takes ACCESS SHARE,
  // INSERT/UPDATE/DELETE ROW EXCLUSIVE, VACUUM/ANALYZE/CREATE INDEX CONCURRENTLY SHARE
  // UPDATE EXCLUSIVE, most ALTER TABLE forms ACCESS EXCLUSIVE.
  if (mode == "AccessExclusiveLock") return {"reads", "writes", "ddl"};
  if (mode == "ExclusiveLock" || mode == "ShareRowExclusiveLock" || mode == "ShareLock") return {"writes", "ddl"};
  if (mode == "ShareUpdateExclusiveLock" || mode == "RowExclusiveLock") return {"ddl"};
  return {};  // ACCESS SHARE, ROW SHARE: only ACCESS EXCLUSIVE (or EXCLUSIVE) waits for them
}

std::string LockModeName(const std::string& mode) {
  std::string m = mode;
  if (EndsWith(m, "Lock")) m.resize(m.size() - 4);
  std::string out;
  for (char c : m) {
    if (std::isupper(static_cast<unsigned char>(c)) && !out.empty()) out += ' ';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

namespace {

constexpr char kRelations[] =
    "SELECT c.oid::text, c.relfilenode::text, n.nspname || '.' || c.relname, c.relkind::text, "
    "coalesce((SELECT i.indrelid::text FROM pg_catalog.pg_index i WHERE i.indexrelid = c.oid), '') "
    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.oid >= 16384 AND c.relkind IN ('r', 'p', 'm', 'i', 'I') "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')";

constexpr char kChecked[] =
    "SELECT 'k' || k.oid, k.convalidated::text, format('%s %s on %s', CASE k.contype WHEN 'f' THEN 'foreign key' "
    "WHEN 'c' THEN 'check' WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' ELSE 'constraint' END, "
    "k.conname, k.conrelid::pg_catalog.regclass), k.conrelid::text, "
    "CASE WHEN k.contype = 'c' AND k.convalidated THEN pg_catalog.pg_get_constraintdef(k.oid) ELSE '' END "
    "FROM pg_catalog.pg_constraint k WHERE k.conrelid >= 16384 AND k.contype <> 'n' "  // 18: NOT NULL below
    "UNION ALL SELECT 'a' || a.attrelid || '.' || a.attnum, a.attnotnull::text, format('NOT NULL on %s.%s', "
    "a.attrelid::pg_catalog.regclass, a.attname), a.attrelid::text, "
    "format('CHECK ((%s IS NOT NULL))', pg_catalog.quote_ident(a.attname)) FROM pg_catalog.pg_attribute a "
    "WHERE a.attrelid >= 16384 AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull";

std::string LocksOf(const std::string& pid) {
  return "SELECT n.nspname || '.' || c.relname, c.relkind::text, l.mode, l.granted::text "
         "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_class c ON c.oid = l.relation "
         "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
         "WHERE l.locktype = 'relation' AND l.relation >= 16384 AND l.database = "
         "(SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) AND l.pid = " +
         pid + " AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')";
}

std::string KindOf(const std::string& relkind) {
  if (relkind == "i" || relkind == "I") return "index";
  if (relkind == "m") return "materialized view";
  if (relkind == "S") return "sequence";
  if (relkind == "v") return "view";
  return "table";
}

struct Relation {
  std::string filenode, name, kind, table_oid;
};

struct State {
  std::map<std::string, Relation> relations;  // oid -> relation
  std::map<std::string, std::pair<std::string, std::string>> checked;  // key -> (validated, what)
  std::map<std::string, std::string> checked_table;  // key -> table oid
  // Validated checks, as "table oid|definition"; for a NOT NULL key, the definition of
  // the check that would prove it.
  std::set<std::string> valid_checks;
  std::map<std::string, std::string> proof_of;
};

Result<State> Snapshot(Session* s) {
  State st;
  auto r = s->Exec(kRelations);
  if (!r.ok()) return r.status();
  for (size_t i = 0; i < r->rows.size(); ++i) {
    st.relations[r->Get(i, 0)] = {r->Get(i, 1), r->Get(i, 2), r->Get(i, 3), r->Get(i, 4)};
  }
  auto k = s->Exec(kChecked);
  if (!k.ok()) return k.status();
  for (size_t i = 0; i < k->rows.size(); ++i) {
    st.checked[k->Get(i, 0)] = {k->Get(i, 1), k->Get(i, 2)};
    st.checked_table[k->Get(i, 0)] = k->Get(i, 3);
    if (k->Get(i, 0)[0] == 'k' && !k->Get(i, 4).empty()) st.valid_checks.insert(k->Get(i, 3) + "|" + k->Get(i, 4));
    if (k->Get(i, 0)[0] == 'a') st.proof_of[k->Get(i, 0)] = k->Get(i, 3) + "|" + k->Get(i, 4);
  }
  return st;
}

// What changed between two snapshots, for relations that existed when the file began.
void Compare(const State& before, const State& after, const std::set<std::string>& existed, TracedStatement* out) {
  for (const auto& [oid, rel] : after.relations) {
    auto was = before.relations.find(oid);
    if (was != before.relations.end()) {
      if (was->second.filenode != rel.filenode && existed.count(oid)) out->rewrites.push_back(rel.name);
    } else if (rel.kind == "i" && existed.count(rel.table_oid)) {
      out->builds.push_back(rel.name + " on " + after.relations.at(rel.table_oid).name);
    }
  }
  for (const auto& [key, v] : after.checked) {
    if (v.first != "true" || !existed.count(after.checked_table.at(key))) continue;
    auto was = before.checked.find(key);
    if (was != before.checked.end() && was->second.first == "true") continue;
    // SET NOT NULL skips its scan when a validated check already says so (PostgreSQL 12+).
    auto proof = after.proof_of.find(key);
    if (key[0] == 'a' && proof != after.proof_of.end() && before.valid_checks.count(proof->second)) {
      out->proven.push_back(v.second);
    } else {
      out->validated.push_back(v.second);
    }
  }
}

std::string FirstLine(std::string_view sql) {
  std::string s(Trim(sql.substr(0, sql.find('\n'))));
  if (s.size() > 100) s = s.substr(0, 97) + "...";
  if (sql.find('\n') != std::string_view::npos) s += " ...";
  return s;
}

bool Strong(const std::string& mode) {
  auto b = LockBlocks(mode);
  return std::find(b.begin(), b.end(), "writes") != b.end();
}

void AddLocks(const Result<QueryResult>& r, const std::set<std::string>& existed_names,
              std::set<std::pair<std::string, std::string>>* held, TracedStatement* out) {
  if (!r.ok()) return;
  for (size_t i = 0; i < r->rows.size(); ++i) {
    std::string rel = r->Get(i, 0), mode = r->Get(i, 2);
    if (!held->insert({rel, mode}).second) continue;
    out->locks.push_back({rel, KindOf(r->Get(i, 1)), mode, existed_names.count(rel) > 0});
  }
}

// A statement that cannot run in a transaction block: it runs on `s` while `w` watches
// pg_locks. `w` first holds a snapshot, which a concurrent index build waits for: the
// build is seen holding its locks, and the snapshot is let go as soon as it waits.
Status RunWatched(Session* s, Session* w, const Statement& st, const std::string& sql,
                  const std::set<std::string>& existed_names, TracedStatement* out) {
  auto pid = s->Exec("SELECT pg_catalog.pg_backend_pid()::text");
  if (!pid.ok()) return pid.status();
  std::string query = LocksOf(pid->Get(0, 0));
  auto began = w->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
  bool holding = began.ok();
  // An index build also waits, first of all, for every transaction that may write the
  // table: the watcher is one (ROW EXCLUSIVE, what an INSERT takes).
  if (holding && st.creates_index && st.concurrent && !st.table_name.empty()) {
    std::string table = (st.table_schema.empty() ? "" : QuoteIdent(st.table_schema) + ".") + QuoteIdent(st.table_name);
    if (!w->Exec("SAVEPOINT strata_trace; LOCK TABLE " + table + " IN ROW EXCLUSIVE MODE").ok()) {
      w->Exec("ROLLBACK TO SAVEPOINT strata_trace");
    }
  }
  // A build waits only for snapshots strictly older than its own: one transaction id more
  // (spent here) makes the watcher's snapshot older.
  if (holding) s->Exec("SELECT txid_current()");
  std::atomic<bool> done{false};
  Status result = Status::Ok();
  DbError error;
  double start = MonotonicSeconds();
  std::thread run([&] {
    auto r = s->Exec(sql);
    if (!r.ok()) {
      result = r.status();
      error = s->last_error();
    }
    done = true;
  });
  std::set<std::pair<std::string, std::string>> seen;
  while (!done) {
    // Waiting first, then its locks: a statement that waits (for the watcher) still holds
    // what it took, so both reads agree; then the watcher lets it go.
    auto blocked = w->Exec("SELECT count(*) FROM pg_catalog.pg_locks WHERE NOT granted AND pid = " + pid->Get(0, 0));
    auto r = w->Exec(query);
    AddLocks(r, existed_names, &seen, out);
    if (holding && blocked.ok() && blocked->Get(0, 0) != "0") {
      w->Exec("COMMIT");
      holding = false;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  run.join();
  if (holding) w->Exec("COMMIT");
  out->duration_ms = 1000 * (MonotonicSeconds() - start);
  out->observed_while_running = true;
  if (!result.ok()) out->error = error.Summary();
  return Status::Ok();
}

int Strength(const std::string& mode) {
  static const char* kOrder[] = {"AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
                                 "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"};
  for (int i = 0; i < 8; ++i) {
    if (mode == kOrder[i]) return i;
  }
  return -1;
}

// One lock per relation (the strongest: it implies the others), tables first, strongest first.
void Tidy(TracedStatement* st) {
  std::map<std::string, TracedLock> strongest;
  for (const auto& l : st->locks) {
    auto it = strongest.find(l.relation);
    if (it == strongest.end() || Strength(l.mode) > Strength(it->second.mode)) strongest[l.relation] = l;
  }
  st->locks.clear();
  for (auto& [rel, l] : strongest) st->locks.push_back(l);
  std::stable_sort(st->locks.begin(), st->locks.end(), [](const TracedLock& a, const TracedLock& b) {
    if ((a.kind == "index") != (b.kind == "index")) return b.kind == "index";
    if (Strength(a.mode) != Strength(b.mode)) return Strength(a.mode) > Strength(b.mode);
    return a.relation < b.relation;
  });
}

void Warn(TracedFile* f) {
  if (!f->transactional) {
    for (const auto& st : f->statements) {
      for (const auto& l : st.locks) {
        if (l.existed && l.mode == "AccessExclusiveLock" && !st.rewrites.empty()) {
          f->warnings.push_back("statement " + std::to_string(st.index) + " rewrites " + st.rewrites[0] +
                                " under ACCESS EXCLUSIVE on " + l.relation +
                                ": reads and writes wait for the whole rewrite");
          break;
        }
      }
    }
    return;
  }
  // A lock that blocks writes on a table the target already has is held until COMMIT:
  // every slow statement after it (a rewrite, a scan, an index build) extends the outage.
  for (size_t i = 0; i < f->statements.size(); ++i) {
    const TracedStatement& st = f->statements[i];
    for (const auto& l : st.locks) {
      if (!l.existed || !Strong(l.mode)) continue;
      for (size_t j = i; j < f->statements.size(); ++j) {
        const TracedStatement& later = f->statements[j];
        std::string slow = !later.rewrites.empty()    ? "rewrites " + later.rewrites[0]
                           : !later.validated.empty() ? "checks every row for " + later.validated[0]
                           : !later.builds.empty()    ? "builds index " + later.builds[0]
                                                      : "";
        if (slow.empty() || (j == i && l.mode != "AccessExclusiveLock")) continue;
        std::string blocks;
        for (const auto& b : LockBlocks(l.mode)) blocks += (blocks.empty() ? "" : ", ") + b;
        f->warnings.push_back(LockModeName(l.mode) + " on " + l.relation + " (statement " + std::to_string(st.index) +
                              ") is held until COMMIT while statement " + std::to_string(later.index) + " " + slow +
                              ": on a large table, " + blocks + " on " + l.relation + " wait that long");
        break;
      }
    }
  }
}

}  // namespace

Result<std::vector<TracedFile>> TraceFiles(Session* s, const std::function<Result<std::unique_ptr<Session>>()>& open_watcher,
                                           const std::vector<const MigrationFile*>& files) {
  std::vector<TracedFile> out;
  std::unique_ptr<Session> watcher;
  for (const MigrationFile* f : files) {
    std::vector<FileError> errs;
    auto pm = ParseMigration(*f, &errs);
    if (!pm.ok()) {
      std::string msg;
      for (const auto& e : errs) msg += (msg.empty() ? "" : "\n") + e.Format(f->content);
      return Status::InvalidInput(msg.empty() ? pm.status().message() : msg);
    }
    TracedFile tf;
    tf.name = f->name;
    tf.transactional = !f->directives.no_transaction;
    auto start = Snapshot(s);
    if (!start.ok()) return start.status();
    std::set<std::string> existed, existed_names;
    for (const auto& [oid, rel] : start->relations) {
      existed.insert(oid);
      existed_names.insert(rel.name);
    }
    if (tf.transactional) STRATA_RETURN_IF_ERROR(s->Exec("BEGIN").status());
    std::set<std::pair<std::string, std::string>> held;
    std::string own_pid = "pg_catalog.pg_backend_pid()";
    State before = std::move(*start);
    bool failed = false;
    for (size_t i = 0; i < pm->body.size() && !failed; ++i) {
      const Statement& st = pm->body[i];
      TracedStatement ts;
      ts.index = static_cast<int>(i + 1);
      ts.line = static_cast<int>(OffsetToLineCol(f->content, st.offset).line);
      std::string sql = st.Text(f->content);
      ts.sql = FirstLine(sql);
      ts.in_transaction = tf.transactional;
      bool watched = !tf.transactional && (st.needs_no_transaction || st.kind == "do_stmt" || st.transaction_control);
      if (watched) {
        if (!watcher) {
          auto w = open_watcher();
          if (!w.ok()) return w.status();
          watcher = std::move(*w);
        }
        STRATA_RETURN_IF_ERROR(RunWatched(s, watcher.get(), st, sql, existed_names, &ts));
      } else {
        // In a no-transaction file each statement is its own transaction: run it in one
        // here, so that its locks can be read before they go.
        if (!tf.transactional) STRATA_RETURN_IF_ERROR(s->Exec("BEGIN").status());
        double t0 = MonotonicSeconds();
        auto r = s->Exec(sql);
        ts.duration_ms = 1000 * (MonotonicSeconds() - t0);
        if (!r.ok()) {
          ts.error = s->last_error().Summary();
        } else {
          std::set<std::pair<std::string, std::string>> mine;
          AddLocks(s->Exec(LocksOf(own_pid)), existed_names, tf.transactional ? &held : &mine, &ts);
        }
      }
      if (ts.error.empty()) {
        auto after = Snapshot(s);
        if (after.ok()) {
          Compare(before, *after, existed, &ts);
          before = std::move(*after);
        }
        if (!tf.transactional && !watched) s->Exec("COMMIT");
      } else {
        failed = true;
        s->Exec("ROLLBACK");
      }
      Tidy(&ts);
      tf.statements.push_back(std::move(ts));
    }
    if (tf.transactional && !failed) STRATA_RETURN_IF_ERROR(s->Exec("COMMIT").status());
    Warn(&tf);
    out.push_back(std::move(tf));
    if (failed) break;
  }
  return out;
}

}  // namespace strata
