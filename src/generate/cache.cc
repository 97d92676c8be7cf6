#include "generate/cache.h"

#include <cstdio>
#include <cstdlib>

#include "base/fs.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "devdb/shadow.h"
#include "generate/incremental.h"
#include "introspect/introspect.h"
#include "migrate/migration_dir.h"
#include "migrate/sum_file.h"
#include "pg/session.h"

namespace strata {

Result<std::string> SourceDigest(const SourceSpec& spec, Naming naming, std::vector<SqlDocument>* rendered) {
  if (spec.kind == SourceSpec::Kind::kMigrationsDir) {
    std::vector<FileError> errs;
    auto dir = MigrationDir::Load(spec.value, naming, &errs);
    if (!dir.ok()) return dir.status();
    auto sum = ComputeSum(*dir);
    return sum.empty() ? Sha256::Hex("empty") : sum.back().hash;
  }
  auto docs = RenderSchemaSources(spec);
  if (!docs.ok()) return docs.status();
  Sha256 h;
  for (const auto& d : *docs) h.Update(d.path + "\n" + Sha256::Hex(d.text) + "\n");
  auto d = h.Finish();
  if (rendered) *rendered = std::move(*docs);
  return ToHex(d.data(), d.size());
}

Result<CachedSource> LoadCachedSource(const SourceSpec& spec, const std::string& admin_url, Naming naming,
                                      bool incremental) {
  std::vector<SqlDocument> docs;
  auto digest = SourceDigest(spec, naming, &docs);
  if (!digest.ok()) return digest.status();
  std::string kind = spec.kind == SourceSpec::Kind::kMigrationsDir ? "replay" : "desired";
  std::string prefix = "strata_" + kind + "_" + Sha256::Hex(AbsolutePath(spec.value)).substr(0, 8) + "_";
  std::string name = prefix + digest->substr(0, 16);
  auto admin = Connection::Open(admin_url);
  if (!admin.ok()) return admin.status().Wrap("shadow server");
  auto found = (*admin)->ExecParams(
      "SELECT coalesce(pg_catalog.shobj_description(oid, 'pg_database'), '') FROM pg_catalog.pg_database "
      "WHERE datname = $1",
      {name});
  if (found.ok() && found->rows.size() == 1 && !incremental && RebuiltInPart(found->Get(0, 0))) {
    // Rebuilt in part by generate: check, push and CI do not take it on trust. Built
    // from scratch in a database of their own, and the cache is left to generate.
    auto loaded = LoadSourceKept(spec, admin_url, naming, &docs);
    if (!loaded.ok()) return loaded.status();
    return CachedSource{std::move(loaded->catalog), "", false, nullptr};
  }
  if (found.ok() && found->rows.size() == 1) {
    auto url = WithDatabase(admin_url, name);
    if (!url.ok()) return url.status();
    // A cache being dropped (by a run that moved on, just now) is no cache: built again.
    auto conn = Connection::Open(*url);
    if (conn.ok()) {
      auto c = Introspect(conn->get());
      if (c.ok()) return CachedSource{std::move(*c), name, true, std::move(*conn)};
    }
  }
  const bool schema = spec.kind == SourceSpec::Kind::kSchemaDir;
  auto stale = (*admin)->ExecParams(
      "SELECT datname, coalesce(pg_catalog.shobj_description(oid, 'pg_database'), '') FROM pg_catalog.pg_database "
      "WHERE starts_with(datname, $1) ORDER BY oid DESC",
      {prefix});
  auto drop_stale = [&](const std::string& keep) {
    if (!stale.ok()) return;
    for (size_t i = 0; i < stale->rows.size(); ++i) {
      if (stale->Get(i, 0) != keep) DropDatabaseWithoutWaiting(admin_url, stale->Get(i, 0));  // nothing waits for it
    }
  };
  // An edited schema: the newest older cache that recorded its build is changed in part.
  if (schema && incremental && stale.ok()) {
    for (size_t i = 0; i < stale->rows.size(); ++i) {
      std::string old = stale->Get(i, 0);
      auto manifest = BuildManifest::FromText(stale->Get(i, 1));
      if (!manifest || EndsWith(old, "_inc")) continue;
      auto parsed = ParseSchemaSources(spec, &docs);
      if (!parsed.ok()) break;
      std::string why;
      auto rebuilt = RebuildIncrementally(admin_url, old, *manifest, name, *parsed, &why);
      if (std::getenv("STRATA_TRACE_GENERATE")) {
        std::string how = !rebuilt.ok() ? "built from scratch (" + rebuilt.status().message() + ")"
                          : !*rebuilt   ? "built from scratch (" + why + ")"
                                        : "rebuilt in part from " + old + ": " +
                                            std::to_string((*rebuilt)->statements_run) + " statements run, " +
                                            std::to_string((*rebuilt)->foreign_keys_restored) + " foreign keys put back";
        std::fprintf(stderr, "generate: desired schema %s\n", how.c_str());
      }
      if (rebuilt.ok() && *rebuilt) {
        drop_stale(old);
        return CachedSource{std::move((*rebuilt)->catalog), name, false, nullptr};
      }
      break;
    }
  }
  BuildManifest manifest;
  auto loaded = LoadSourceKept(spec, admin_url, naming, schema ? &docs : nullptr, schema ? &manifest : nullptr);
  if (!loaded.ok()) return loaded.status();
  drop_stale("");
  loaded->session.reset();  // a database with a session on it cannot be renamed
  if (Status st = loaded->shadow->KeepAs(name); !st.ok()) {
    return st.Wrap("keeping the shadow database as " + name + " (another strata running at the same time?)");
  }
  if (!manifest.statements.empty()) {
    (*admin)->Exec("COMMENT ON DATABASE " + QuoteIdent(name) + " IS " + QuoteLiteral(manifest.ToText()));
  }
  return CachedSource{std::move(loaded->catalog), name, false, nullptr};
}

Result<Catalog> LoadCatalog(const SourceSpec& spec, const std::string& admin_url, Naming naming, bool cache) {
  if (!cache) return LoadSource(spec, admin_url, naming);
  auto c = LoadCachedSource(spec, admin_url, naming);
  if (!c.ok()) return c.status();
  return std::move(c->catalog);
}

}  // namespace strata
