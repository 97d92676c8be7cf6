// generate's proof without a copy: the generated files applied to the cached replay inside
// one transaction that is always rolled back, the catalog read on that same session in
// between. The cache database is left as it was, and no CREATE DATABASE ... TEMPLATE is
// paid for.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/catalog.h"
#include "config/config.h"
#include "generate/generate.h"

namespace strata {

class Session;

// Applies `files` (generated migrations, in order) to the database of `s` inside a
// transaction block and returns the catalog they leave; the transaction is rolled back in
// every case. Each file's body runs as the runner runs it (a transactional file's body as
// one unit, RESET ALL after each file) and its verify queries must return true. A
// statement that refuses a transaction block runs as its in-transaction equivalent
// (InTransactionEquivalent: CONCURRENTLY dropped, which leaves the same catalog).
//
// Returns nullopt when the files cannot be proven this way: a statement without such an
// equivalent (a CONCURRENTLY build on a partitioned table, which migrate runs partition by
// partition), a batch that commits, an enum value used in the transaction that added it,
// or any failure at all. The caller then proves on a copy with the runner itself, whose
// error is the one the user sees. `why` (when given) says what stopped it.
Result<std::optional<Catalog>> ProveInTransaction(Session* s, const std::vector<GeneratedFile>& files, Naming naming,
                                                  std::string* why = nullptr);

}  // namespace strata
