// A model answer as the run store keeps it (store/run_store.h TrajectoryRow::parsed and ::rewards): the
// parser's verdict with item ids instead of indices, and the reward breakdown term by term. Shared by the
// GRPO run (every trajectory) and the template designer's "Try it", so both show answers the same way.
#pragma once

#include "data/dataset.h"
#include "reward/reward_composite.h"

#include <nlohmann/json.hpp>

namespace rf {

// {format_ok, answer, problems[], items[] (ids), unmatched, duplicates, outside_pool, query, rating}
nlohmann::json answer_parsed_json(const ParsedCompletion& p, const Dataset& ds);

// [{name, weight, value, weighted, explanation}, ...]; non-finite numbers as null.
nlohmann::json answer_rewards_json(const RewardBreakdown& b);

}  // namespace rf
