// Ordering the steps (dependencies, phases, parts) and finding what must be re-created.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <queue>
#include <set>

#include "plan/planner.h"

namespace strata::planning {

// Objects that must be dropped and created again: changed views, functions whose
// signature changed, changed index/constraint/trigger definitions — and everything that
// depends on one of them, or (views) on a table whose columns change shape.
void Planner::Recreate(const std::vector<Change>& changes) {
  std::set<std::string> reshaped;  // tables with dropped or retyped columns
  for (const Change& c : changes) {
    if (c.kind != "column") continue;
    if (c.action == ChangeAction::kDrop) reshaped.insert("table:" + c.object.substr(0, c.object.rfind('.')));
    if (c.action == ChangeAction::kAlter) {
      for (const auto& f : c.fields) {
        if (f == "type" || f == "collation" || f == "generated" || f == "generated_virtual") reshaped.insert("table:" + c.object.substr(0, c.object.rfind('.')));
      }
    }
  }
  std::set<std::string> in_b;
  for (const auto& v : b_.views) in_b.insert(Key("view", v.schema, v.name));
  for (const auto& f : b_.functions) in_b.insert(FunctionKey(f));
  for (const auto& k : b_.constraints) in_b.insert(ConstraintKey(k));
  for (const auto& i : b_.indexes) in_b.insert(Key("index", i.schema, i.name));
  for (const auto& t : b_.triggers) in_b.insert(TriggerKey(t));
  for (const auto& p : b_.policies) in_b.insert(PolicyKey(p));
  auto recreatable = [&](const std::string& key) {
    return in_b.count(key) && !StartsWith(key, "function:") && !StartsWith(key, "operator:");
  };
  // Objects that go away: what still depends on them must be recreated (a view over a
  // table that becomes a view of the same name).
  std::set<std::string> in_a_only;
  {
    std::set<std::string> all_b = in_b;
    for (const auto& t : b_.tables) all_b.insert(Key("table", t.schema, t.name));
    for (const auto& x : b_.sequences) all_b.insert(Key("sequence", x.schema, x.name));
    for (const auto& x : b_.enums) all_b.insert(Key("type", x.schema, x.name));
    for (const auto& x : b_.domains) all_b.insert(Key("type", x.schema, x.name));
    for (const auto& x : b_.composites) all_b.insert(Key("type", x.schema, x.name));
    for (const auto& x : b_.defined) all_b.insert(DefinedKey(x));  // range types, foreign tables, ...
    for (const auto& d : a_.dependencies) {
      if (!all_b.count(d.depends_on) && (StartsWith(d.depends_on, "table:") || StartsWith(d.depends_on, "view:") ||
                                         StartsWith(d.depends_on, "function:") || StartsWith(d.depends_on, "type:"))) {
        in_a_only.insert(d.depends_on);
      }
    }
  }
  for (const auto& d : a_.dependencies) {
    if (in_a_only.count(d.depends_on) && recreatable(d.object)) recreate_.insert(d.object);
  }
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& d : a_.dependencies) {
      if (recreate_.count(d.object) || !recreatable(d.object)) continue;
      bool view = StartsWith(d.object, "view:");
      if (recreate_.count(d.depends_on) || (view && reshaped.count(d.depends_on))) {
        recreate_.insert(d.object);
        grew = true;
      }
    }
  }
}

void Planner::Order(Plan* plan) {
  // Dependencies from the catalogs: a drop waits for what depended on it to go (or
  // change); a create or change waits for what it needs to exist.
  // The nodes of an object: its own, and for a table also its columns' and properties'.
  auto nodes_of = [&](const std::string& key, auto pred, std::vector<int>* out) {
    auto r = by_object_.equal_range(key);
    for (auto it = r.first; it != r.second; ++it) {
      if (pred(nodes_[it->second])) out->push_back(it->second);
    }
    r = by_owner_.equal_range(key);
    for (auto it = r.first; it != r.second; ++it) {
      if (nodes_[it->second].table_part && pred(nodes_[it->second])) out->push_back(it->second);
    }
  };
  auto is_drop = [](const Node& n) { return n.kind == NodeKind::kDrop; };
  auto is_change = [](const Node& n) { return n.kind != NodeKind::kDrop; };
  auto any = [](const Node&) { return true; };
  for (const auto& [id, key] : late_deps_) {
    auto r = by_object_.equal_range(key);
    for (auto it = r.first; it != r.second; ++it) {
      if (it->second != id) nodes_[id].deps.insert(it->second);
    }
  }
  for (const auto& [waiting, waited] : key_deps_) {
    auto w = by_object_.equal_range(waiting);
    auto r = by_object_.equal_range(waited);
    for (auto a = w.first; a != w.second; ++a) {
      for (auto b = r.first; b != r.second; ++b) {
        if (a->second != b->second) nodes_[a->second].deps.insert(b->second);
      }
    }
  }
  // A constraint, index, trigger or policy that goes with its table has no step: its
  // table's steps stand in for it.
  auto stand_in = [&](const std::string& key) -> std::string {
    if (by_object_.count(key)) return key;
    for (const char* p : {"constraint:", "trigger:", "policy:"}) {
      if (StartsWith(key, p)) return key.substr(std::strlen(p), key.rfind('/') - std::strlen(p));
    }
    return key;
  };
  bool trace = std::getenv("STRATA_TRACE_PLAN") != nullptr;
  for (const auto& d : a_.dependencies) {
    if (trace) std::fprintf(stderr, "plan: from: %s -> %s\n", d.object.c_str(), d.depends_on.c_str());
    std::vector<int> ys, xs_drop, xs_any, ys_drop;
    nodes_of(d.depends_on, any, &ys);
    if (ys.empty()) continue;
    std::string x = stand_in(d.object);
    nodes_of(x, is_drop, &xs_drop);
    nodes_of(x, [](const Node& n) { return n.kind != NodeKind::kCreate; }, &xs_any);
    for (int y : ys) {
      if (nodes_[y].kind == NodeKind::kCreate) continue;
      const auto& xs = nodes_[y].kind == NodeKind::kDrop ? xs_any : xs_drop;
      for (int x : xs) {
        if (x != y) nodes_[y].deps.insert(x);
      }
    }
  }
  std::set<std::pair<std::string, std::string>> adopted(key_deps_.begin(), key_deps_.end());
  for (const auto& d : b_.dependencies) {
    // A partition's own index (or key) is built before the parent index that adopts it.
    if (adopted.count({d.depends_on, d.object})) continue;
    std::vector<int> xs, ys;
    nodes_of(d.object, is_change, &xs);
    if (xs.empty()) continue;
    nodes_of(d.depends_on, is_change, &ys);
    auto at = attach_nodes_.equal_range(d.depends_on);
    for (auto it = at.first; it != at.second; ++it) {
      if (nodes_[it->second].step.object != d.object) ys.push_back(it->second);  // not its own attach
    }
    for (int x : xs) {
      for (int y : ys) {
        if (x != y) nodes_[x].deps.insert(y);
      }
    }
  }
  // SQL-language bodies are checked when created: a function that calls another new or
  // replaced function by name comes after it (pg_depend knows only BEGIN ATOMIC bodies).
  std::vector<std::pair<int, const Function*>> made;
  std::map<std::string, const Function*> by_key;
  for (const auto& f : b_.functions) by_key[FunctionKey(f)] = &f;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    auto it = by_key.find(nodes_[i].step.object);
    if (it != by_key.end() && nodes_[i].kind != NodeKind::kDrop && it->second->kind != 'o' && it->second->kind != 'a') {
      made.push_back({static_cast<int>(i), it->second});
    }
  }
  for (const auto& [i, f] : made) {
    for (const auto& [j, g] : made) {
      if (i == j || f == g) continue;
      size_t body = f->definition.find('\n');  // after the header, which names f itself
      if (body == std::string::npos) continue;
      if (f->definition.find(g->name + "(", body) != std::string::npos ||
          f->definition.find(QuoteIdent(g->name) + "(", body) != std::string::npos) {
        nodes_[i].deps.insert(j);
      }
    }
  }
  // Tables, views, sequences, indexes and types share names: a create waits for the drop
  // of whatever had its name.
  auto rel_name = [](const std::string& key) -> std::string {
    for (const char* p : {"table:", "view:", "sequence:", "index:", "type:"}) {
      if (StartsWith(key, p)) return key.substr(key.find(':') + 1);
    }
    return "";
  };
  std::multimap<std::string, int> dropped_names;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].kind != NodeKind::kDrop) continue;
    std::string name = rel_name(nodes_[i].step.object);
    if (!name.empty()) dropped_names.emplace(name, static_cast<int>(i));
  }
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].kind != NodeKind::kCreate) continue;
    auto r = dropped_names.equal_range(rel_name(nodes_[i].step.object));
    for (auto it = r.first; it != r.second; ++it) nodes_[i].deps.insert(it->second);
  }
  // Kahn's algorithm, lowest phase first; a cycle is broken at its earliest phase.
  size_t n = nodes_.size();
  std::vector<int> waiting(n, 0);
  std::vector<std::vector<int>> dependents(n);
  for (size_t i = 0; i < n; ++i) {
    for (int d : nodes_[i].deps) {
      if (d == static_cast<int>(i)) continue;
      ++waiting[i];
      dependents[d].push_back(static_cast<int>(i));
    }
  }
  using Item = std::pair<int, int>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> ready;
  std::vector<bool> done(n, false);
  for (size_t i = 0; i < n; ++i) {
    if (waiting[i] == 0) ready.push({nodes_[i].prio, static_cast<int>(i)});
  }
  std::vector<int> order, position(n, -1);
  while (order.size() < n) {
    if (ready.empty()) {
      int pick = -1;
      for (size_t i = 0; i < n; ++i) {
        if (!done[i] && (pick < 0 || nodes_[i].prio < nodes_[pick].prio)) pick = static_cast<int>(i);
      }
      cycle_broken_ = true;
      if (std::getenv("STRATA_TRACE_PLAN")) std::fprintf(stderr, "plan: cycle broken at %s\n", nodes_[pick].step.description.c_str());
      waiting[pick] = 0;
      ready.push({nodes_[pick].prio, pick});
    }
    auto [prio, id] = ready.top();
    ready.pop();
    if (done[id]) continue;
    done[id] = true;
    position[id] = static_cast<int>(order.size());
    order.push_back(id);
    for (int d : dependents[id]) {
      if (!done[d] && --waiting[d] == 0) ready.push({nodes_[d].prio, d});
    }
  }
  for (int id : order) {
    Step s = std::move(nodes_[id].step);
    if (s.undo.empty() && nodes_[id].kind == NodeKind::kCreate) s.undo = UndoOfCreate(s);
    for (int d : nodes_[id].deps) {
      if (position[d] >= 0 && position[d] < position[id]) s.after.push_back(position[d]);
    }
    std::sort(s.after.begin(), s.after.end());
    plan->steps.push_back(std::move(s));
  }
}

}  // namespace strata::planning
