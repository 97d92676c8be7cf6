// Conformance of generate (DESIGN.md §7): for every current → desired pair of the sqldef,
// migra and pg-schema-diff suites, apply the current state, plan the migration with the
// same code `strata generate` uses (safe forms: CONCURRENTLY, NOT VALID + VALIDATE, ...),
// apply it part by part, then require
//   (a) the migrated database's catalog equals that of a fresh database built from the
//       desired state (column order aside: ADD COLUMN appends), and
//   (b) the re-diff is empty;
// and generate(desired → desired) to be empty. Cases whose objects strata cannot represent,
// or whose change the planner refuses with an explicit error (removing an enum value,
// changing a partition key), are counted, not failed. Anything else must pass unless it
// is listed, with its reason, in generate_expected_failures.txt.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <set>

#include "base/fs.h"
#include "base/strings.h"
#include "catalog/catalog_json.h"
#include "conformance/corpus.h"
#include "conformance/roundtrip.h"
#include "diff/diff.h"
#include "emit/emit.h"
#include "generate/generate.h"
#include "generate/lint_output.h"
#include "introspect/introspect.h"
#include "plan/plan.h"
#include "test_server.h"

namespace strata::testing {
namespace {

enum class Result2 { kPass, kUnsupported, kRefused, kNotLoadable, kFail };

struct Job {
  const CorpusCase* c = nullptr;
  Result2 outcome = Result2::kFail;
  std::string detail;
};

Result<Catalog> Load(const std::string& url) {
  auto conn = Connection::Open(url);
  if (!conn.ok()) return conn.status();
  return Introspect(conn->get());
}

// The snapshot with columns in name order and without schema owners.
nlohmann::json Comparable(const Catalog& c) {
  nlohmann::json j = CatalogToJson(c)["objects"];
  for (auto& t : j["tables"]) {
    auto cols = t["columns"];
    std::sort(cols.begin(), cols.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
      return a["name"].get<std::string>() < b["name"].get<std::string>();
    });
    t["columns"] = cols;
  }
  for (auto& s : j["schemas"]) s.erase("owner");
  return j;
}

class Migrator {
 public:
  Migrator() : a_(TestServer::Get().NewDatabase("gen")), b_(TestServer::Get().NewDatabase("gen")) {}
  ~Migrator() {
    DropDatabase(a_);
    DropDatabase(b_);
  }

  void Run(Job* job) {
    for (std::string* url : {&a_, &b_}) {
      if (!ResetDatabase(*url).empty()) {
        DropDatabase(*url);
        *url = TestServer::Get().NewDatabase("gen");
      }
    }
    auto set = [&](Result2 o, std::string d) {
      job->outcome = o;
      job->detail = std::move(d);
    };
    for (const auto& s : job->c->current) {
      if (std::string err = ApplyScript(a_, s); !err.empty()) return set(Result2::kNotLoadable, "current: " + err);
    }
    for (const auto& s : job->c->desired) {
      if (std::string err = ApplyScript(b_, s); !err.empty()) return set(Result2::kNotLoadable, "desired: " + err);
    }
    auto from = Load(a_);
    auto to = Load(b_);
    for (auto* r : {&from, &to}) {
      if (!r->ok()) {
        bool explicit_error = r->status().message().find("cannot represent") != std::string::npos;
        return set(explicit_error ? Result2::kUnsupported : Result2::kFail, r->status().message());
      }
    }
    auto plan = MakePlan(*from, *to);
    if (!plan.ok()) {
      bool refused = plan.status().code() == Status::Code::kInvalidInput;
      return set(refused ? Result2::kRefused : Result2::kFail, plan.status().message());
    }
    std::string script = std::getenv("STRATA_CONFORMANCE_ONLY") ? "\n" + PlanSql(*plan) : "";
    // (c) what generate would write passes strata lint (hazards reported by the plan
    // become strata:allow lines; anything else is an error).
    std::vector<GeneratedFile> files;
    for (const MigrationPart& part : SplitPlan(*plan)) {
      files.push_back({"part" + part.suffix + ".sql",
                       (part.transactional ? "" : "-- strata:no-transaction\n") + part.body});
    }
    if (Status st = AnnotateLintFindings(&files); !st.ok()) return set(Result2::kFail, "(c) lint: " + st.message() + script);
    if (Status st = ApplyPlan(a_, *plan, nullptr); !st.ok()) return set(Result2::kFail, "applying the plan: " + st.message() + script);
    auto after = Load(a_);
    if (!after.ok()) return set(Result2::kFail, "after: " + after.status().message());
    nlohmann::json got = Comparable(*after), want = Comparable(*to);
    if (got != want) return set(Result2::kFail, "(a) catalogs differ: " + FirstDifference(got.dump(1), want.dump(1)) + script);
    std::vector<Change> left = Diff(*after, *to);
    if (!left.empty()) return set(Result2::kFail, "(b) re-diff not empty: " + left[0].kind + " " + left[0].object);
    auto same = MakePlan(*to, *to);
    if (!same.ok() || !same->empty()) return set(Result2::kFail, "generate(desired -> desired) is not empty");
    set(Result2::kPass, "");
  }

 private:
  std::string a_, b_;
};

TEST(GenerateConformance, CorporaMigrateToTheirDesiredState) {
  ASSERT_TRUE(TestServer::Get().ok()) << TestServer::Get().error();
  std::vector<CorpusCase> cases;
  for (auto* load : {&SqldefCases, &MigraCases, &PgSchemaDiffCases}) {
    auto more = load();
    cases.insert(cases.end(), more.begin(), more.end());
  }
  ASSERT_GT(cases.size(), 1000u) << "corpus not found under " << CorpusDir();
  std::set<std::string> roles;
  std::map<std::string, int> skipped;
  std::vector<Job> jobs;
  size_t index = 0;
  for (const auto& c : cases) {
    roles.insert(c.roles.begin(), c.roles.end());
    if (!c.skip.empty()) {
      ++skipped[c.suite];
      continue;
    }
    const char* only = std::getenv("STRATA_CONFORMANCE_ONLY");
    if (only && (c.suite + "|" + c.name).find(only) == std::string::npos) continue;
    if (!InShard(index++)) continue;
    jobs.push_back({&c, Result2::kFail, ""});
  }
  EnsureRoles({roles.begin(), roles.end()});
  RunOnThreads<Migrator>(jobs.size(), 4, [&](Migrator& m, size_t i) { m.Run(&jobs[i]); });

  std::set<std::string> expected = ExpectedFailures("generate_expected_failures.txt");
  std::map<std::string, std::map<Result2, int>> table;
  bool verbose = std::getenv("STRATA_CONFORMANCE_VERBOSE") != nullptr;
  for (const Job& j : jobs) {
    ++table[j.c->suite][j.outcome];
    std::string id = j.c->suite + "|" + j.c->name;
    if (j.outcome == Result2::kFail && !expected.count(id)) ADD_FAILURE() << id << ": " << j.detail;
    if (j.outcome == Result2::kFail && expected.count(id) && verbose) std::cout << "  expected failure: " << id << ": " << j.detail << "\n";
    if ((j.outcome == Result2::kRefused || j.outcome == Result2::kUnsupported) && verbose) {
      std::cout << "  " << (j.outcome == Result2::kRefused ? "refused" : "unsupported") << ": " << id << ": "
                << Split(j.detail, '\n').back() << "\n";
    }
    if (j.outcome != Result2::kFail && expected.count(id)) {
      std::cout << "  now passes, remove from the expected failures: " << id << "\n";
    }
  }
  std::cout << fmt::format("\ngenerate: current -> desired, per suite\n{:<16} {:>6} {:>6} {:>12} {:>8} {:>12} {:>14} {:>9}\n",
                           "suite", "pass", "fail", "unsupported", "refused", "not loadable", "cases skipped",
                           "pass rate");
  for (const auto& [suite, counts] : table) {
    auto n = [&](Result2 o) { auto it = counts.find(o); return it == counts.end() ? 0 : it->second; };
    int runnable = n(Result2::kPass) + n(Result2::kFail) + n(Result2::kRefused) + n(Result2::kUnsupported);
    std::cout << fmt::format("{:<16} {:>6} {:>6} {:>12} {:>8} {:>12} {:>14} {:>8.1f}%\n", suite, n(Result2::kPass),
                             n(Result2::kFail), n(Result2::kUnsupported), n(Result2::kRefused), n(Result2::kNotLoadable),
                             skipped[suite], runnable ? 100.0 * n(Result2::kPass) / runnable : 0.0);
  }
}

}  // namespace
}  // namespace strata::testing
