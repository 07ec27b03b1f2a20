// Baselines by name, as the CLI and run configs name them: next-item recommenders pop | itemknn | bpr |
// sasrec and rating predictors global-mean | user-mean | item-mean | biased-mf, each built from its JSON
// hyper-parameters. An unknown name is an rf::Error listing the known ones.
#pragma once

#include "eval/recommender.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace rf {

std::unique_ptr<Recommender> recommender_create(const std::string& name, const nlohmann::json& params = nlohmann::json::object());
std::unique_ptr<RatingPredictor> rating_predictor_create(const std::string& name,
                                                         const nlohmann::json& params = nlohmann::json::object());

std::vector<std::string> recommender_names();
std::vector<std::string> rating_predictor_names();

// True for a name recommender_create() or rating_predictor_create() knows.
bool baseline_available(const std::string& name);

}  // namespace rf
