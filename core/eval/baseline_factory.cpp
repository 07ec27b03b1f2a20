// Baselines by name: see baseline_factory.h.
#include "eval/baseline_factory.h"

#include "eval/baseline_biased_mf.h"
#include "eval/baseline_bpr.h"
#include "eval/baseline_itemknn.h"
#include "eval/baseline_popularity.h"
#include "eval/baseline_rating_mean.h"
#include "eval/baseline_sasrec.h"
#include "util/error.h"

#include <algorithm>

namespace rf {

namespace {

std::string names_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::vector<std::string> recommender_names() { return {"pop", "itemknn", "bpr", "sasrec"}; }
std::vector<std::string> rating_predictor_names() { return {"global-mean", "user-mean", "item-mean", "biased-mf"}; }

bool baseline_available(const std::string& name) {
  const auto a = recommender_names(), b = rating_predictor_names();
  return std::find(a.begin(), a.end(), name) != a.end() || std::find(b.begin(), b.end(), name) != b.end();
}

std::unique_ptr<Recommender> recommender_create(const std::string& name, const nlohmann::json& params) {
  if (name == "pop") return popularity_create(params);
  if (name == "itemknn") return itemknn_create(params);
  if (name == "bpr") return bpr_create(params);
  if (name == "sasrec") return sasrec_create(params);
  throw Error("unknown recommender '" + name + "' (expected " + names_list(recommender_names()) + ")");
}

std::unique_ptr<RatingPredictor> rating_predictor_create(const std::string& name, const nlohmann::json& params) {
  if (name == "global-mean") return global_mean_create(params);
  if (name == "user-mean") return user_mean_create(params);
  if (name == "item-mean") return item_mean_create(params);
  if (name == "biased-mf") return biased_mf_create(params);
  throw Error("unknown rating predictor '" + name + "' (expected " + names_list(rating_predictor_names()) + ")");
}

}  // namespace rf
