// The three recipes' default reward configurations (reward_composite.h's JSON form), named after the
// papers they reproduce: "rec-r1" (Query), "reczero" (Rating), "recllm-r1" (List). Formulas and defaults
// are documented in docs/rewards.md; resources/rewards/<name>.json holds the same JSON.
#pragma once

#include "reward/reward_component.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace rf {

std::vector<std::string> reward_preset_names();
// The preset's configuration; rf::Error lists the presets for an unknown name.
nlohmann::json reward_preset(const std::string& name);
nlohmann::json reward_preset_for_recipe(Recipe recipe);

}  // namespace rf
