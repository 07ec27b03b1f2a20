// Inside the reward library: the constructor of each component type (one .cpp each, registered by
// reward_factory.cpp) and small helpers they share. Callers use reward_component_make().
#pragma once

#include "reward/reward_component.h"
#include "reward/reward_params.h"

#include <memory>
#include <string>
#include <vector>

namespace rf {

std::unique_ptr<RewardComponent> reward_make_format(ParamReader& p);     // reward_format.cpp
std::unique_ptr<RewardComponent> reward_make_accuracy(ParamReader& p);   // reward_accuracy.cpp
std::unique_ptr<RewardComponent> reward_make_rating(ParamReader& p);     // reward_rating.cpp
std::unique_ptr<RewardComponent> reward_make_diversity(ParamReader& p);  // reward_diversity.cpp
std::unique_ptr<RewardComponent> reward_make_novelty(ParamReader& p);    // reward_novelty.cpp
std::unique_ptr<RewardComponent> reward_make_coverage(ParamReader& p);   // reward_coverage.cpp
std::unique_ptr<RewardComponent> reward_make_validity(ParamReader& p);   // reward_validity.cpp
std::unique_ptr<RewardComponent> reward_make_length(ParamReader& p);     // reward_length.cpp
std::unique_ptr<RewardComponent> reward_make_retrieval(ParamReader& p);  // reward_retrieval.cpp
std::unique_ptr<RewardComponent> reward_make_rules(ParamReader& p);      // reward_rules_component.cpp

// "0.631" — numbers in explanations, trailing zeros dropped.
std::string reward_num(double x, int decimals = 3);
// The list items a list component judges: the matched items, cut to input.k when k > 0.
std::vector<int32_t> reward_list_top(const RewardInput& in);
// Components with require_format: when the completion's format is broken, sets `out` to {value, reason}
// and returns true (the caller returns `out`).
bool reward_format_gate(const RewardInput& in, bool require_format, double value, RewardValue& out);
// rf::Error unless the input was parsed (reward_parse) and has a context with a data set.
void reward_require_context(const RewardInput& in, const std::string& component);

// Query recipe: runs the parsed query through the retriever (input.retriever_or_context()) and writes the
// retrieval fields of `out`. k: NDCG cut-off; depth: documents retrieved.
void reward_retrieval_run(const RewardInput& in, const RetrievalSettings& settings, ParsedCompletion& out);

}  // namespace rf
