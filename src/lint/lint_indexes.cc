// Rules on CREATE INDEX: CONCURRENTLY on existing tables, the ON ONLY form on partitioned ones.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "lint/file_lint.h"

namespace strata::lint_detail {
void FileLint::Index(const SqlNode& s) {
  Rel rel = RelOf(s["relation"]);
  bool concurrent = s.flag("concurrent");
  std::string idx(s.str("idxname"));
  if (!idx.empty()) {
    std::string schema = rel.key.substr(0, rel.key.find('.'));
    run_.new_indexes.insert(schema + "." + idx);
  }
  // Plain-SQL tools (squawk's model) run a one-statement file outside any transaction.
  bool alone = !o_.strata_runner && !explicit_open_ && body_statements_ == 1;
  if (concurrent && in_tx_ && !alone) {
    Report("ban-concurrent-index-creation-in-transaction", -1,
           "CREATE INDEX CONCURRENTLY cannot run inside a transaction",
           o_.strata_runner ? "put it in its own file starting with -- strata:no-transaction"
                            : "run it outside the transaction, in a migration of its own");
  }
  bool partitioned = run_.partitioned.count(rel.key) ||
                     (db_ && db_->tables.count(rel.key) && db_->tables.at(rel.key).partitioned);
  if (!concurrent && !s["relation"].flag("inh") && partitioned) return;  // ON ONLY: no rows are read
  if (!concurrent && partitioned && !Exempt(rel.key)) {
    // PostgreSQL refuses CONCURRENTLY on a partitioned table: the non-blocking form builds
    // the parent's index ON ONLY, each partition's concurrently, and attaches them.
    std::string name = idx.empty() ? "<index>" : QuoteIdentIfNeeded(idx);
    Report("require-concurrent-index-creation", -1,
           "CREATE INDEX on partitioned table " + rel.name + " blocks writes to every partition while the "
           "partitions' indexes build",
           "CREATE INDEX " + name + " ON ONLY " + rel.name + " (...); then, in a -- strata:no-transaction file, for "
           "each partition: CREATE INDEX CONCURRENTLY ON <partition> (...); ALTER INDEX " + name +
           " ATTACH PARTITION <its index>;");
    return;
  }
  if (!concurrent && !Exempt(rel.key)) {
    Report("require-concurrent-index-creation", -1,
           "CREATE INDEX without CONCURRENTLY blocks writes to " + rel.name + RowsNote(rel.key) +
               " while the index builds",
           "CREATE INDEX CONCURRENTLY" + std::string(idx.empty() ? "" : " " + QuoteIdent(idx)) + " ON ... in a "
           "file starting with -- strata:no-transaction");
  }
}

}  // namespace strata::lint_detail
