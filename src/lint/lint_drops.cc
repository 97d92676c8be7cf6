// Rules on DROP and RENAME: data loss, enum values, CONCURRENTLY for indexes, renames
// that break running code.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "lint/file_lint.h"

namespace strata::lint_detail {
void FileLint::Drop(const SqlNode& s) {
  std::string_view type = s.enum_name("remove_type");
  bool concurrent = s.flag("concurrent");
  for (const SqlNode& obj : s.list("objects")) {
    std::vector<std::string> names;
    if (obj.is("List")) names = StringList(obj.list("items"));
    else if (obj.is("TypeName")) names = StringList(obj.list("names"));
    else if (obj.is("String")) names = {std::string(obj.str("sval"))};
    std::string key = KeyOfNames(names);
    std::string shown = names.empty() ? "" : names.back();
    if (type == "OBJECT_TABLE") {
      if (names.size() == 1) {
        Report("require-table-schema", -1, "table " + shown + " is not schema-qualified",
               "DROP TABLE public." + shown);
      }
      if (!run_.new_tables.count(key)) {
        Report("ban-drop-table", -1,
               "DROP TABLE " + shown + " deletes its data and breaks clients still using it",
               "stop using the table first; rename it aside and drop it in a later release");
      }
      run_.new_tables.erase(key);
    } else if (type == "OBJECT_INDEX") {
      bool fresh = run_.new_indexes.count(key) > 0;
      if (db_ != nullptr && !fresh) {
        auto it = db_->index_table.find(key);
        fresh = it == db_->index_table.end() || IsSmall(it->second);
      }
      if (!concurrent && !fresh) {
        std::string sql_name;  // as written in SQL: "Action_tenantId_idx" keeps its quotes
        for (const auto& n : names) sql_name += (sql_name.empty() ? "" : ".") + QuoteIdentIfNeeded(n);
        Report("require-concurrent-index-deletion", -1,
               "DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table",
               "DROP INDEX CONCURRENTLY IF EXISTS " + sql_name + "; in a file starting with -- strata:no-transaction");
      }
      if (concurrent && in_tx_) {
        Report("transaction-nesting", -1, "DROP INDEX CONCURRENTLY cannot run inside a transaction",
               "put it in its own file starting with -- strata:no-transaction");
      }
    } else if (type == "OBJECT_TYPE") {
      auto it = run_.enums.find(key);
      if (it != run_.enums.end()) {
        run_.gone_enums[key] = it->second;
        run_.enums.erase(it);
      }
    }
  }
}

void FileLint::Rename(const SqlNode& s) {
  std::string_view type = s.enum_name("rename_type");
  Rel rel = RelOf(s["relation"]);
  if (type == "OBJECT_COLUMN" && s.enum_name("relation_type") == "OBJECT_TABLE") {
    if (!IsNew(rel.key)) {
      Report("renaming-column", -1,
             "renaming " + rel.name + "." + std::string(s.str("subname")) + " to " +
                 std::string(s.str("newname")) + " breaks running clients that use the old name",
             "expand/contract: ADD COLUMN " + std::string(s.str("newname")) +
                 ", backfill, switch the application, then drop the old column in a later migration");
    }
  } else if (type == "OBJECT_TABLE") {
    if (!IsNew(rel.key)) {
      Report("renaming-table", -1,
             "renaming " + rel.name + " to " + std::string(s.str("newname")) +
                 " breaks running clients that use the old name",
             "expand/contract: create the new table (or a view named " + rel.name +
                 " over it), switch the application, then drop the old name later");
    }
    std::string schema = rel.key.substr(0, rel.key.find('.'));
    if (run_.new_tables.erase(rel.key)) run_.new_tables.insert(schema + "." + std::string(s.str("newname")));
  } else if (type == "OBJECT_TYPE") {
    std::vector<std::string> names = StringList(s["object"].list("items"));
    std::string key = KeyOfNames(names);
    auto it = run_.enums.find(key);
    if (it != run_.enums.end()) {
      std::string schema = key.substr(0, key.find('.'));
      run_.enums[schema + "." + std::string(s.str("newname"))] = it->second;
      run_.gone_enums[key] = it->second;
      run_.enums.erase(key);
    }
  }
}

}  // namespace strata::lint_detail
