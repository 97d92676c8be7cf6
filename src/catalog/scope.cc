#include "catalog/scope.h"

#include <algorithm>
#include <set>

namespace strata {

const std::vector<std::string>& ScopeKinds() {
  static const std::vector<std::string> kinds = {
      "schema", "extension", "collation", "enum",    "domain",  "composite", "sequence", "table", "view",
      "function", "constraint", "index", "trigger", "policy", "range", "textsearch", "cast", "statistics", "rule",
      "eventtrigger", "publication", "server", "foreigntable", "acl", "comment"};
  return kinds;
}

bool GlobMatch(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() && p[pi] == t[ti]) {
      ++pi, ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool Scope::Manages(const std::string& kind) const {
  return kinds.empty() || std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

std::vector<std::string> Scope::Describe() const {
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  std::vector<std::string> out;
  out.push_back("schemas: " + (schemas.empty() ? std::string("all") : join(schemas)));
  if (kinds.empty()) {
    out.push_back("kinds: all");
  } else {
    std::vector<std::string> left;
    for (const auto& k : ScopeKinds()) {
      if (!Manages(k)) left.push_back(k);
    }
    out.push_back("kinds: " + join(kinds) + (left.empty() ? "" : " (kept as they are: " + join(left) + ")"));
  }
  if (!exclude.empty()) out.push_back("excluded: " + join(exclude));
  return out;
}

Status ValidateScope(const Scope& s, const std::string& where) {
  const auto& all = ScopeKinds();
  auto known = [&](const std::string& k) { return std::find(all.begin(), all.end(), k) != all.end(); };
  std::string list;
  for (const auto& k : all) list += (list.empty() ? "" : ", ") + k;
  for (const auto& k : s.kinds) {
    if (!known(k)) return Status::InvalidInput(where + ": unknown kind '" + k + "' in scope.kinds (" + list + ")");
  }
  for (const auto& e : s.exclude) {
    size_t colon = e.find(':');
    if (colon != std::string::npos && !known(e.substr(0, colon)) && e.compare(0, colon, "partitions") != 0) {
      return Status::InvalidInput(where + ": scope.exclude '" + e + "': unknown kind '" + e.substr(0, colon) + "' (" + list +
                                  ", or partitions:PARENT for a table's partitions)");
    }
    if (colon != std::string::npos && colon + 1 == e.size()) {
      return Status::InvalidInput(where + ": scope.exclude '" + e + "' has no pattern after the kind");
    }
  }
  return Status::Ok();
}

namespace {

class Filter {
 public:
  Filter(const Scope& s) : s_(s) {}

  // Whether an object of `kind` named `name` ("schema.name") in `schema` stays.
  bool Keep(const std::string& kind, const std::string& schema, const std::string& name) const {
    if (!s_.Manages(kind)) return false;
    if (!SchemaKept(schema)) return false;
    for (const auto& e : s_.exclude) {
      size_t colon = e.find(':');
      std::string_view pattern = e;
      if (colon != std::string::npos) {
        if (e.compare(0, colon, kind) != 0) continue;
        pattern = std::string_view(e).substr(colon + 1);
      }
      if (GlobMatch(pattern, name)) return false;
    }
    return true;
  }
  bool SchemaKept(const std::string& schema) const {
    if (!s_.schemas.empty() && std::find(s_.schemas.begin(), s_.schemas.end(), schema) == s_.schemas.end()) {
      return false;
    }
    for (const auto& e : s_.exclude) {
      if (e.compare(0, 7, "schema:") == 0 && GlobMatch(std::string_view(e).substr(7), schema)) return false;
    }
    return true;
  }

 private:
  const Scope& s_;
};

template <typename T, typename F>
void EraseIf(std::vector<T>* v, F f) {
  v->erase(std::remove_if(v->begin(), v->end(), f), v->end());
}

// The schema part of a "kind:schema.name" key.
std::string KeySchema(const std::string& key) {
  size_t colon = key.find(':'), dot = key.find('.', colon + 1);
  return colon == std::string::npos || dot == std::string::npos ? "" : key.substr(colon + 1, dot - colon - 1);
}

std::string KeyName(const std::string& key) { return key.substr(key.find(':') + 1); }

}  // namespace

void ApplyScope(Catalog* c, const Scope& s) {
  if (s.Everything()) return;
  Filter f(s);
  std::set<std::string> removed;  // keys of what was taken out
  auto out = [&](const std::string& key) {
    removed.insert(key);
    return true;
  };
  EraseIf(&c->schemas, [&](const Schema& x) {
    return !f.Keep("schema", x.name, x.name) && out("schema:" + x.name);
  });
  EraseIf(&c->extensions, [&](const Extension& x) { return !f.Keep("extension", x.schema, x.name) && out("extension:" + x.name); });
  EraseIf(&c->collations, [&](const Collation& x) {
    return !f.Keep("collation", x.schema, x.schema + "." + x.name) && out(Key("collation", x.schema, x.name));
  });
  EraseIf(&c->enums, [&](const EnumType& x) { return !f.Keep("enum", x.schema, x.schema + "." + x.name) && out(Key("type", x.schema, x.name)); });
  EraseIf(&c->domains, [&](const Domain& x) { return !f.Keep("domain", x.schema, x.schema + "." + x.name) && out(Key("type", x.schema, x.name)); });
  EraseIf(&c->composites, [&](const CompositeType& x) {
    return !f.Keep("composite", x.schema, x.schema + "." + x.name) && out(Key("type", x.schema, x.name));
  });
  EraseIf(&c->tables, [&](const Table& x) { return !f.Keep("table", x.schema, x.schema + "." + x.name) && out(Key("table", x.schema, x.name)); });
  // "partitions:schema.parent": the partitions the application makes at run time.
  EraseIf(&c->tables, [&](const Table& x) {
    if (x.partition_of.empty()) return false;
    for (const auto& e : s.exclude) {
      if (e.compare(0, 11, "partitions:") == 0 && GlobMatch(std::string_view(e).substr(11), KeyName(x.partition_of))) {
        return out(Key("table", x.schema, x.name));
      }
    }
    return false;
  });
  // A partition goes with its parent (at any depth).
  for (size_t before = 0; before != c->tables.size();) {
    before = c->tables.size();
    EraseIf(&c->tables, [&](const Table& x) {
      return !x.partition_of.empty() && removed.count(x.partition_of) && out(Key("table", x.schema, x.name));
    });
  }
  EraseIf(&c->sequences, [&](const Sequence& x) {
    return (!f.Keep("sequence", x.schema, x.schema + "." + x.name) || removed.count(x.owned_by_table_key)) &&
           out(Key("sequence", x.schema, x.name));
  });
  EraseIf(&c->views, [&](const View& x) { return !f.Keep("view", x.schema, x.schema + "." + x.name) && out(Key("view", x.schema, x.name)); });
  EraseIf(&c->functions, [&](const Function& x) {
    std::string kind = x.kind == 'o' ? "operator" : "function";
    return !f.Keep("function", x.schema, x.schema + "." + x.name) && out(Key(kind.c_str(), x.schema, x.name + "(" + x.identity_args + ")"));
  });
  auto on_table = [&](const char* kind, const std::string& table_key, const std::string& name) {
    return removed.count(table_key) || !f.Keep(kind, KeySchema(table_key), KeyName(table_key) + "." + name);
  };
  EraseIf(&c->constraints, [&](const Constraint& x) {
    return on_table("constraint", x.table_key, x.name) && out("constraint:" + x.table_key + "/" + x.name);
  });
  EraseIf(&c->indexes, [&](const Index& x) {
    // An index lives in its table's schema: on_table judges both.
    return (on_table("index", x.table_key, x.name) || (removed.count(x.parent_key) && !x.parent_key.empty())) &&
           out(Key("index", x.schema, x.name));
  });
  EraseIf(&c->triggers, [&](const Trigger& x) {
    return on_table("trigger", x.table_key, x.name) && out("trigger:" + x.table_key + "/" + x.name);
  });
  EraseIf(&c->policies, [&](const Policy& x) {
    return on_table("policy", x.table_key, x.name) && out("policy:" + x.table_key + "/" + x.name);
  });
  EraseIf(&c->defined, [&](const DefinedObject& x) {
    const char* kind = InfoOf(x.kind).scope;
    // Objects outside schemas (casts, event triggers, publications) are managed only
    // when the scope names no schemas.
    bool gone = x.kind == DefinedKind::kRule ? on_table(kind, x.table_key, x.name)
                : x.schema.empty()           ? !f.Keep(kind, "", x.name)
                                             : !f.Keep(kind, x.schema, x.schema + "." + x.name);
    if (!x.table_key.empty() && removed.count(x.table_key)) gone = true;
    return gone && out(DefinedKey(x));
  });
  EraseIf(&c->dependencies, [&](const Dependency& d) { return removed.count(d.object) || removed.count(d.depends_on); });

  if (!s.Manages("acl") || !s.Manages("comment")) {
    bool acl = s.Manages("acl"), comment = s.Manages("comment");
    auto clear = [&](auto& v) {
      for (auto& x : v) {
        if (!acl) x.acl.reset();
        if (!comment) x.comment.clear();
      }
    };
    clear(c->schemas), clear(c->enums), clear(c->domains), clear(c->composites), clear(c->sequences);
    clear(c->tables), clear(c->views), clear(c->functions), clear(c->defined);
    for (auto& t : c->tables) {
      for (auto& col : t.columns) {
        if (!acl) col.acl.reset();
        if (!comment) col.comment.clear();
      }
    }
    for (auto& v : c->views) {
      if (!acl) v.column_acls.clear();
      if (!comment) v.column_comments.clear();
    }
    if (!comment) {
      for (auto& x : c->constraints) x.comment.clear();
      for (auto& x : c->indexes) x.comment.clear();
      for (auto& x : c->triggers) x.comment.clear();
      for (auto& x : c->policies) x.comment.clear();
      for (auto& x : c->extensions) x.comment.clear();
      for (auto& x : c->collations) x.comment.clear();
      for (auto& d : c->domains) {
        for (auto& k : d.checks) k.comment.clear();
      }
      for (auto& t : c->composites) {
        for (auto& a : t.attributes) a.comment.clear();
      }
    }
  }
}

}  // namespace strata
