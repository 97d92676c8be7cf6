// How generate, push and diff show a plan: steps with their hazards (text), or the whole
// plan as JSON.
#pragma once

#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "plan/plan.h"

namespace strata::cli {

nlohmann::json PlanJson(const Plan& plan);
// One line per step, hazards indented under it.
void PrintPlan(const Context& ctx, const Plan& plan);

}  // namespace strata::cli
