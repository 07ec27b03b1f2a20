// A six-item catalogue small enough to compute every reward by hand (tests/reward/*.cpp), and helpers to
// score one completion with one component.
//
//  index id   title                 categories      tags           creator year  interactions (first day)
//  0     "10" Rose Lip Balm         lips, care      local          Acme    2019  8 (day 0)    price 12.5
//  1     "11" Matte Lipstick Red    lips, makeup    -              Acme    2015  4 (day 10)
//  2     "12" Night Face Cream      face, care      local, vegan   Bloom   2021  2 (day 95)
//  3     "13" Mascara Black         eyes, makeup    -              Acme    2010  1 (day 100)
//  4     "14" Nail Polish Coral     nails           -              ""      -     1 (day 100)
//  5     "15" Shampoo Argan         hair            -              Bloom   2012  0
// Popularity total 16; sorted counts [0, 1, 1, 2, 4, 8], so percentiles (100 × items strictly less
// popular / 6) are 83.33, 66.67, 50, 16.67, 16.67, 0. The latest interaction is day 100.
#pragma once

#include "data/dataset.h"
#include "reward/reward_component.h"
#include "reward/reward_context.h"
#include "reward/reward_parse.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace reward_test {

inline rf::Dataset tiny_dataset() {
  rf::Dataset ds;
  ds.name = "tiny";
  auto add = [&ds](std::string id, std::string title, std::vector<std::string> cats, std::vector<std::string> tags,
                   std::string creator, std::string year) {
    rf::Item it;
    it.id = std::move(id);
    it.title = std::move(title);
    it.categories = std::move(cats);
    it.tags = std::move(tags);
    it.creator = std::move(creator);
    if (!year.empty()) it.attributes["year"] = year;
    rf::dataset_add_item(ds, std::move(it));
  };
  add("10", "Rose Lip Balm", {"lips", "care"}, {"local"}, "Acme", "2019");
  add("11", "Matte Lipstick Red", {"lips", "makeup"}, {}, "Acme", "2015");
  add("12", "Night Face Cream", {"face", "care"}, {"local", "vegan"}, "Bloom", "2021");
  add("13", "Mascara Black", {"eyes", "makeup"}, {}, "Acme", "2010");
  add("14", "Nail Polish Coral", {"nails"}, {}, "", "");
  add("15", "Shampoo Argan", {"hair"}, {}, "Bloom", "2012");
  ds.items[0].attributes["price"] = "12.5";
  const int64_t day = 86400;
  const int counts[] = {8, 4, 2, 1, 1, 0};
  const int64_t first_day[] = {0, 10, 95, 100, 100, 0};
  for (int item = 0; item < 6; ++item)
    for (int k = 0; k < counts[item]; ++k) {
      std::string user_id = "u";  // (not "u" + to_string: GCC 12 -O3 warns falsely on that)
      user_id += std::to_string(k);
      const int32_t user = rf::dataset_user_get_or_add(ds, user_id);
      rf::Interaction x;
      x.user = user;
      x.item = item;
      x.time = first_day[item] * day;
      ds.interactions.push_back(x);
    }
  rf::dataset_update_popularity(ds);
  return ds;
}

// The list recipe's completion around an answer.
inline std::string list_completion(const std::string& answer) {
  return "<think>She buys lip care and rates makeup well.</think>\n<answer>" + answer + "</answer>";
}

inline rf::RewardInput list_input(const rf::RewardContext& ctx, const std::string& completion, std::vector<int32_t> targets,
                                  std::vector<int32_t> pool, int k) {
  rf::RewardInput in;
  in.completion = completion;
  in.targets = std::move(targets);
  in.pool = std::move(pool);
  in.k = k;
  in.context = &ctx;
  rf::reward_parse(in, rf::Recipe::List, rf::reward_parse_defaults(rf::Recipe::List));
  return in;
}

inline rf::RewardValue score_with(const std::string& type, const nlohmann::json& params, const rf::RewardInput& in) {
  return rf::reward_component_make(type, params)->score(in);
}

}  // namespace reward_test
