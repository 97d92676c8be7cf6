#include "cli/plan_print.h"

#include "emit/emit.h"

namespace strata::cli {

nlohmann::json PlanJson(const Plan& plan) {
  nlohmann::json steps = nlohmann::json::array();
  auto parts = SplitPlan(plan);
  std::map<const Step*, size_t> part_of;
  for (size_t i = 0; i < parts.size(); ++i) {
    for (const Step* s : parts[i].steps) part_of[s] = i + 1;
  }
  for (const Step& s : plan.steps) {
    nlohmann::json hazards = nlohmann::json::array();
    for (const auto& h : s.hazards) hazards.push_back({{"code", HazardCode(h.type)}, {"message", h.message}});
    nlohmann::json j = {{"description", s.description}, {"object", s.object}, {"sql", s.sql},
                        {"transactional", s.transactional}, {"part", part_of[&s]}, {"hazards", hazards}};
    if (!s.undo.empty()) j["undo"] = s.undo;
    if (!s.verify.empty()) j["verify"] = s.verify;
    steps.push_back(j);
  }
  return {{"steps", steps}, {"parts", parts.size()}, {"deletes_data", plan.DeletesData()}};
}

void PrintPlan(const Context& ctx, const Plan& plan) {
  for (const Step& s : plan.steps) {
    bool danger = s.HasHazard(Hazard::kDeletesData);
    ctx.Out(ctx.Paint(std::string(danger ? "! " : "  ") + s.description, danger ? "31" : "1") +
            (s.transactional ? "" : ctx.Paint("  (outside a transaction)", "2")));
    for (const auto& h : s.hazards) ctx.Out(ctx.Paint(std::string("      ") + HazardCode(h.type) + ": " + h.message, "33"));
  }
}

}  // namespace strata::cli
