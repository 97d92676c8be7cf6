// strata status — applied / pending / edited / missing; exit 3 when anything is pending.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/project.h"
#include "migrate/runner.h"

namespace strata::cli {
namespace {

const char* Color(MigrationStateKind k) {
  switch (k) {
    case MigrationStateKind::kApplied: return "32";
    case MigrationStateKind::kPending:
    case MigrationStateKind::kPartial: return "33";
    default: return "31";
  }
}

}  // namespace

int RunStatus(int argc, char** argv) {
  CLI::App app{"Show every migration's state. Exit 0 when up to date, 3 when any is pending, "
               "1 when an applied file was edited or is missing", "strata status"};
  GlobalOptions g;
  AddGlobalOptions(app, &g);
  if (int rc = ParseArgs(app, argc, argv); rc >= 0) return rc;
  Context ctx(g);
  auto project = LoadProject(ctx);
  if (!project.ok()) return ctx.Fail(project.status());
  auto conn = ctx.Connect();
  if (!conn.ok()) return ctx.Fail(conn.status());
  Runner runner(conn->get(), project->config, project->dir, nullptr);
  auto states = runner.States();
  if (!states.ok()) return ctx.Fail(states.status());
  int counts[5] = {0, 0, 0, 0, 0};
  nlohmann::json list = nlohmann::json::array();
  std::string text;
  for (const auto& s : *states) {
    ++counts[static_cast<int>(s.kind)];
    std::string when = s.applied ? s.applied->applied_at : "";
    std::string note;
    if (s.applied && s.applied->kind == "partial") {
      const AppliedMigration& a = *s.applied;
      note = " (no-transaction file, " + std::to_string(a.statements_done) + " statement(s) done";
      if (a.statement_started > a.statements_done) {
        note += "; statement " + std::to_string(a.statement_started) +
                " was running when its run stopped and is settled first";
      }
      note += "; `strata migrate` resumes it";
      if (!a.runner.empty()) note += "; owner: " + a.runner;
      note += ")";
    } else if (s.applied && s.applied->kind != "applied") {
      note = " (" + s.applied->kind + ")";
    }
    if (s.out_of_order) note += " (out of order)";
    if (ctx.json()) {
      list.push_back({{"name", s.name}, {"state", StateName(s.kind)}, {"applied_at", when},
                      {"kind", s.applied ? s.applied->kind : ""},
                      {"checksum", s.file ? s.file->checksum : s.applied->checksum},
                      {"out_of_order", s.out_of_order},
                      {"statements_done", s.applied ? s.applied->statements_done : 0},
                      {"statement_in_doubt", s.applied && s.applied->statement_started > s.applied->statements_done
                                                 ? s.applied->statement_started : 0}});
    } else {
      text += fmt::format("{} {}  {}{}\n", ctx.Paint(fmt::format("{:<8}", StateName(s.kind)), Color(s.kind)),
                          s.name, when, note);
    }
  }
  int applied = counts[0], pending = counts[1] + counts[4], edited = counts[2], missing = counts[3];
  if (ctx.json()) {
    ctx.PrintJson({{"migrations", list},
                   {"applied", applied}, {"pending", pending}, {"edited", edited}, {"missing", missing}});
  } else {
    std::cout << text;
    ctx.Out(fmt::format("{} applied, {} pending, {} edited, {} missing", applied, pending, edited, missing));
  }
  if (edited + missing > 0) return kExitError;
  return pending > 0 ? kExitPending : kExitOk;
}

}  // namespace strata::cli
