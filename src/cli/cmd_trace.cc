// strata trace — what locks a migration really takes: runs pending files (or the files
// named) on a shadow of the target's schema and reports, statement by statement, the
// locks, rewrites, validations and index builds PostgreSQL performed.
#include <filesystem>

#include <fmt/format.h>

#include "catalog/ddl.h"
#include "cli/commands.h"
#include "cli/project.h"
#include "devdb/shadow.h"
#include "generate/generate.h"
#include "generate/source.h"
#include "generate/trace.h"
#include "introspect/introspect.h"
#include "migrate/runner.h"

namespace strata::cli {
namespace {

nlohmann::json TraceJson(const std::vector<TracedFile>& files) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : files) {
    nlohmann::json stmts = nlohmann::json::array();
    for (const auto& s : f.statements) {
      nlohmann::json locks = nlohmann::json::array();
      for (const auto& l : s.locks) {
        locks.push_back({{"relation", l.relation}, {"kind", l.kind}, {"mode", LockModeName(l.mode)},
                         {"existed", l.existed}, {"blocks", LockBlocks(l.mode)},
                         {"held", s.in_transaction ? "until commit" : "while the statement runs"}});
      }
      stmts.push_back({{"index", s.index}, {"line", s.line}, {"sql", s.sql}, {"duration_ms", s.duration_ms},
                       {"locks", locks}, {"rewrites", s.rewrites}, {"validated", s.validated}, {"proven_without_scan", s.proven},
                       {"index_builds", s.builds}, {"error", s.error}});
    }
    out.push_back({{"file", f.name}, {"transaction", f.transactional}, {"statements", stmts}, {"warnings", f.warnings}});
  }
  return out;
}

std::string Blocks(const std::string& mode) {
  auto b = LockBlocks(mode);
  if (b.empty()) return "blocks only ACCESS EXCLUSIVE";
  std::string out = "blocks ";
  for (size_t i = 0; i < b.size(); ++i) out += (i ? ", " : "") + b[i];
  return out;
}

std::string Text(const Context& ctx, const std::vector<TracedFile>& files) {
  std::string out;
  for (const auto& f : files) {
    out += f.name + (f.transactional ? " (one transaction)" : " (no transaction: each statement on its own)") + "\n";
    for (const auto& s : f.statements) {
      out += fmt::format("  {:>3}  line {:<4} {:>8.1f} ms  {}\n", s.index, s.line, s.duration_ms, s.sql);
      for (const auto& l : s.locks) {
        std::string held = s.in_transaction ? "held until COMMIT" : "while it runs";
        out += fmt::format("       {} on {} {} ({}; {}){}\n", ctx.Paint(LockModeName(l.mode), LockBlocks(l.mode).size() > 1 ? "31" : "33"),
                           l.kind, l.relation, held, Blocks(l.mode), l.existed ? "" : " [new]");
      }
      for (const auto& r : s.rewrites) out += "       rewrote " + r + "\n";
      for (const auto& v : s.validated) out += "       checked every row: " + v + "\n";
      for (const auto& v : s.proven) out += "       no scan: " + v + " (a validated check proves it)\n";
      for (const auto& b : s.builds) out += "       built index " + b + "\n";
      if (!s.error.empty()) out += "       " + ctx.Paint("failed: " + s.error, "31") + "\n";
    }
    for (const auto& w : f.warnings) out += "  " + ctx.Paint("warning: ", "33") + w + "\n";
  }
  return out;
}

std::string Markdown(const std::vector<TracedFile>& files) {
  std::string out = "### strata trace\n\n";
  auto cell = [](std::string s) {
    std::string o;
    for (char c : s) o += c == '|' ? std::string("\\|") : std::string(1, c);
    return o;
  };
  for (const auto& f : files) {
    out += "**" + f.name + "** (" + (f.transactional ? "one transaction" : "no transaction") + ")\n\n";
    out += "| # | line | statement | locks | rewrites / scans | ms |\n|---|---|---|---|---|---|\n";
    for (const auto& s : f.statements) {
      std::string locks;
      for (const auto& l : s.locks) {
        locks += (locks.empty() ? "" : "<br>") + LockModeName(l.mode) + " " + l.relation + " (" + Blocks(l.mode) + ")";
      }
      std::string work;
      for (const auto& r : s.rewrites) work += (work.empty() ? "" : "<br>") + std::string("rewrites ") + r;
      for (const auto& v : s.validated) work += (work.empty() ? "" : "<br>") + std::string("scans for ") + v;
      for (const auto& v : s.proven) work += (work.empty() ? "" : "<br>") + v + " (no scan)";
      for (const auto& b : s.builds) work += (work.empty() ? "" : "<br>") + std::string("builds ") + b;
      if (!s.error.empty()) work += (work.empty() ? "" : "<br>") + std::string("**failed**: ") + s.error;
      out += fmt::format("| {} | {} | `{}` | {} | {} | {:.1f} |\n", s.index, s.line, cell(s.sql), cell(locks), cell(work),
                         s.duration_ms);
    }
    for (const auto& w : f.warnings) out += "\n> :warning: " + w + "\n";
    out += "\n";
  }
  return out;
}

}  // namespace

int RunTrace(int argc, char** argv) {
  CLI::App app{"Run migrations on a shadow of the target's schema and report the locks, rewrites and scans "
               "PostgreSQL performs for each statement", "strata trace"};
  GlobalOptions g;
  std::vector<std::string> names;
  std::string dev_url;
  bool from_db = false;
  app.add_option("files", names, "Migration files to trace (default: the target's pending migrations)");
  app.add_flag("--db", from_db, "Build the shadow from the target database's schema (default: replay the earlier migrations)");
  app.add_option("--dev-url", dev_url, "A server where strata may create shadow databases (default: the dev database)");
  AddGlobalOptions(app, &g, /*with_format=*/false);
  app.add_option("--format", g.format, "text, json or markdown (a pull-request comment)")
      ->check(CLI::IsMember({"text", "json", "markdown"}));
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  auto project = LoadProject(ctx);
  if (!project.ok()) return ctx.Fail(project.status());
  const MigrationDir& dir = project->dir;
  std::vector<const MigrationFile*> traced;
  std::string target_url;
  if (!names.empty()) {
    for (const auto& n : names) {
      const MigrationFile* f = dir.Find(std::filesystem::path(n).filename().string());
      if (!f) return ctx.Fail(Status::Usage(n + ": not a migration in " + dir.path));
      traced.push_back(f);
    }
  }
  if (names.empty() || from_db) {
    auto url = ctx.ResolveUrl();
    if (!url.ok()) return ctx.Fail(url.status().Wrap("name the files to trace, or give the target with --url"));
    target_url = *url;
  }
  if (names.empty()) {
    auto conn = Connection::Open(target_url);
    if (!conn.ok()) return ctx.Fail(conn.status());
    Runner runner(conn->get(), project->config, dir, nullptr);
    auto states = runner.States();
    if (!states.ok()) return ctx.Fail(states.status());
    for (const auto& s : *states) {
      if ((s.kind == MigrationStateKind::kPending || s.kind == MigrationStateKind::kPartial) && s.file) traced.push_back(s.file);
    }
    if (traced.empty()) {
      if (ctx.json()) ctx.PrintJson({{"files", nlohmann::json::array()}});
      else ctx.Out("nothing pending: nothing to trace");
      return kExitOk;
    }
  }
  auto shadow_server = ctx.ShadowServer(dev_url, target_url);
  if (!shadow_server.ok()) return ctx.Fail(shadow_server.status());
  auto shadow = ShadowDatabase::Create(*shadow_server);
  if (!shadow.ok()) return ctx.Fail(shadow.status());
  auto conn = Connection::Open((*shadow)->url());
  if (!conn.ok()) return ctx.Fail(conn.status());
  (*conn)->Exec("SET client_min_messages = warning");
  if (from_db) {
    auto target = Connection::Open(target_url);
    if (!target.ok()) return ctx.Fail(target.status());
    auto catalog = Introspect(target->get());
    if (!catalog.ok()) return ctx.Fail(catalog.status());
    ExcludeHistoryTable(&*catalog, project->config.history_table);
    auto sql = CatalogSql(*catalog);
    if (!sql.ok()) return ctx.Fail(sql.status());
    if (Status st = RunStatements(conn->get(), "the target's schema", *sql, 0, sql->size()); !st.ok()) return ctx.Fail(st);
  } else {
    // The files before the first traced one, replayed as `strata migrate` runs them.
    std::vector<GeneratedFile> before;
    for (const auto& f : dir.files) {
      if (&f == traced.front()) break;
      before.push_back({f.name, f.content});
    }
    if (Status st = ReplayFiles(conn->get(), before, project->config.naming); !st.ok()) {
      return ctx.Fail(st.Wrap("replaying the migrations before " + traced.front()->name));
    }
  }
  std::string shadow_url = (*shadow)->url();
  auto result = TraceFiles(conn->get(), Connection::Opener(shadow_url), traced);
  conn->reset();
  if (!result.ok()) return ctx.Fail(result.status());
  bool failed = false;
  for (const auto& f : *result) {
    for (const auto& s : f.statements) failed |= !s.error.empty();
  }
  if (ctx.json()) {
    ctx.PrintJson({{"files", TraceJson(*result)}, {"shadow", from_db ? "the target's schema" : "the earlier migrations, replayed"}});
  } else if (g.format == "markdown") {
    std::cout << Markdown(*result);
  } else {
    std::cout << Text(ctx, *result);
  }
  return failed ? kExitError : kExitOk;
}

}  // namespace strata::cli
