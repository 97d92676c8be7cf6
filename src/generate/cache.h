// Shadow databases kept between runs, named after what they were built from, so that an
// unchanged migrations folder is not replayed and an unchanged schema folder not applied
// again: strata_replay_<folder>_<strata.sum hash> and strata_desired_<folder>_<content
// hash>. One of each per folder (older ones are dropped); only on servers strata owns
// (the dev database) unless asked. `strata dev reset` removes them.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/catalog.h"
#include "config/config.h"
#include "generate/source.h"
#include "pg/session.h"

namespace strata {

// What a folder source was built from: strata.sum's last chain hash (migrations) or a hash
// of every file's name and content (schema).
// A schema source's documents are rendered to be hashed (drizzle-kit export, commands);
// `rendered`, when given, keeps them so that a cache miss applies them without running the
// tools again.
Result<std::string> SourceDigest(const SourceSpec& spec, Naming naming, std::vector<SqlDocument>* rendered = nullptr);

struct CachedSource {
  Catalog catalog;
  std::string database;  // the cache database; copy it (TEMPLATE) before changing anything
  bool hit = false;
  // The session that read it, still open on it (its catalog caches are warm); close it
  // before copying the database.
  std::unique_ptr<Session> session;
};

// REQUIRES: spec.NeedsShadow(). `incremental` (generate outside CI): an edited schema
// source changes the newest older cache in part (generate/incremental.h) instead of
// building again from scratch.
Result<CachedSource> LoadCachedSource(const SourceSpec& spec, const std::string& admin_url, Naming naming,
                                      bool incremental = false);

// The catalog of `spec`, through the cache when `cache` is set, else through a shadow
// database dropped afterwards (LoadSource).
Result<Catalog> LoadCatalog(const SourceSpec& spec, const std::string& admin_url, Naming naming, bool cache);

}  // namespace strata
