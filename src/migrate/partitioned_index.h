// CREATE INDEX CONCURRENTLY on a partitioned table. PostgreSQL refuses it; strata runs it
// the way the runbooks and pg_dump build such an index without blocking writes: the
// parent's index ON ONLY (catalog only), then, for every partition that exists when the
// statement runs, a matching index built CONCURRENTLY (or a matching one reused) and
// attached, recursing into sub-partitioned partitions. The parent's index is valid once
// every partition's is attached, which is checked at the end.
//
// Every step is idempotent, so a run interrupted anywhere is finished by running the
// statement again: the parent's index is reused by name, attached partitions are
// skipped, and an INVALID index a killed concurrent build left is dropped and rebuilt.
#pragma once

#include <functional>
#include <string>

#include "base/status.h"
#include "pg/session.h"
#include "sql/statement.h"

namespace strata {

// Whether `st` (from `source`) is CREATE INDEX CONCURRENTLY on a table that is
// partitioned in the database `s` is connected to.
Result<bool> ConcurrentOnPartitioned(Session* s, const Statement& st);

// The statement with CONCURRENTLY removed and ONLY after ON: the parent's index alone.
// Empty when the text is not a CREATE INDEX CONCURRENTLY ... ON ... statement.
std::string OnOnlyForm(std::string_view text);

// Runs the expansion described above. `exec` runs one statement (`builds` is true for a
// partition's concurrent index build, so the caller can report its progress); a failed
// statement's Status carries the "sqlstate" field.
using ExecFn = std::function<Status(const std::string& sql, bool builds)>;
Status BuildPartitionedIndex(Session* s, const Statement& st, std::string_view text, const ExecFn& exec);

}  // namespace strata
