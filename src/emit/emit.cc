#include "emit/emit.h"

#include <algorithm>

namespace strata {

std::string StepSql(const Step& s) {
  std::string out = "-- " + s.description + "\n";
  for (const auto& h : s.hazards) out += "--   hazard " + std::string(HazardCode(h.type)) + ": " + h.message + "\n";
  return out + s.sql + "\n";
}

std::vector<MigrationPart> SplitPlan(const Plan& plan, const std::set<std::string>& contract) {
  size_t n = plan.steps.size();
  // A step is deferred when it must leave the main transaction or follows one that did.
  std::vector<bool> deferred(n, false), contracted(n, false);
  bool any_enum = false, any_other = false;
  for (size_t i = 0; i < n; ++i) {
    const Step& s = plan.steps[i];
    if (s.enum_value) {
      any_enum = true;
      continue;
    }
    any_other = true;
    contracted[i] = s.contract || (contract.count(s.object) && s.HasHazard(Hazard::kDeletesData));
    deferred[i] = !s.transactional;
    for (int a : s.after) {
      if (deferred[a]) deferred[i] = true;
      if (contracted[a]) contracted[i] = true;
    }
  }
  MigrationPart enums{"_enum_values", true, {}, "", {}}, main{"", true, {}, "", {}},
      late{"_concurrently", false, {}, "", {}}, last{"_contract", true, {}, "", {}};
  for (size_t i = 0; i < n; ++i) {
    const Step& s = plan.steps[i];
    MigrationPart* p = (s.enum_value && any_enum && any_other) ? &enums
                       : contracted[i]                           ? &last
                       : deferred[i]                             ? &late
                                                                 : &main;
    if (s.enum_value && !any_other) p = &main;
    p->steps.push_back(&s);
  }
  std::vector<MigrationPart> out;
  std::vector<MigrationPart> mains;
  // One transaction holds a lock on every relation it touches: a huge change (a whole
  // schema at once) is cut into files that stay well under the default lock table
  // (max_locks_per_transaction 64 x max_connections 100).
  constexpr size_t kMaxStepsPerTransaction = 400;
  for (size_t at = 0; at < main.steps.size(); at += kMaxStepsPerTransaction) {
    MigrationPart part{mains.empty() ? "" : "_" + std::to_string(mains.size() + 1), true, {}, "", {}};
    size_t end = std::min(main.steps.size(), at + kMaxStepsPerTransaction);
    part.steps.assign(main.steps.begin() + static_cast<long>(at), main.steps.begin() + static_cast<long>(end));
    mains.push_back(std::move(part));
  }
  std::vector<MigrationPart*> order = {&enums};
  for (auto& m : mains) order.push_back(&m);
  order.push_back(&late);
  order.push_back(&last);
  for (MigrationPart* p : order) {
    if (p->steps.empty()) continue;
    std::set<std::string> seen;
    for (const Step* s : p->steps) {
      p->body += (p->body.empty() ? "" : "\n") + StepSql(*s);
      if (!s->verify.empty() && seen.insert(s->verify).second) p->verify.push_back(s->verify);
    }
    out.push_back(std::move(*p));
  }
  // With nothing else to run in a transaction, the first part keeps the slug's own name.
  if (!out.empty() && out[0].suffix != "" && out[0].suffix != "_contract") {
    bool has_plain = false;
    for (const auto& p : out) has_plain |= p.suffix.empty();
    if (!has_plain) out[0].suffix = "";
  }
  return out;
}

std::string PlanSql(const Plan& plan) {
  std::string out;
  auto parts = SplitPlan(plan);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts.size() > 1 || !parts[i].transactional) {
      out += std::string(i ? "\n" : "") + "-- part " + std::to_string(i + 1) + " of " + std::to_string(parts.size()) +
             (parts[i].transactional ? " (one transaction)" : " (strata:no-transaction: each statement on its own)") + "\n";
    }
    out += parts[i].body;
  }
  return out;
}

}  // namespace strata
