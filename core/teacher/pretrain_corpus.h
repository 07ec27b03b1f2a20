// The text a project's base model is pretrained on (core/train/pretrain.h, `recforge-cli pretrain`): one
// document per string, deterministic for a data set, options and seed.
//
//   items      one per item: "[id] Title. Categories: a, b. Tags: t, u. By Creator. Description"
//              (empty parts left out), so the model has seen every id next to its title.
//   histories  each user's training history cut into windows of `window` interactions, each window written
//              in the words of one recipe prompt (resources/templates), drawn by the seed from `styles`:
//                list    "The user has interacted with N items so far, with an average rating of R.\n"
//                        "Most frequent categories: c (n), ...\n\nMost recent items, oldest first:\n"
//                        "1. [id] Title (rated 5.0)\n..."   (preceded by "Profile: ...\n" when the user has one)
//                rating  "The user's last N interactions, oldest first:\n1. Title [c, d]: 5.0\n...\n"
//                        "The user's average rating: R (over N ratings)."
//                query   "Item 1: Title\nItem 2: Title\n..."
//              With train_only, histories hold only the leave-last-out training interactions, so the base
//              model never reads a validation or test item in a user's history.
//   traces     teacher traces (`recforge-cli traces` JSON lines) in ChatML: system (when present), the
//              prompt as the user turn, the completion as the assistant turn, so the recipe's tags appear.
#pragma once

#include "data/dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace rf {

struct PretrainCorpusOptions {
  int32_t window = 10;      // history interactions per document (the templates show the last 10)
  bool train_only = true;   // leave-last-out training interactions only
  std::vector<std::string> styles = {"list", "rating", "query"};  // one drawn per window
  int32_t title_chars = 120;  // titles cut as the templates cut them (0 = no limit)
  int32_t text_chars = 600;   // item descriptions cut to this many characters (0 = no limit)
  uint64_t seed = 0;          // the style of each window
};

// rf::Error naming the field for a bad window, or an unknown or missing style.
void pretrain_corpus_options_validate(const PretrainCorpusOptions& options);

std::vector<std::string> pretrain_corpus_items(const Dataset& ds, const PretrainCorpusOptions& options);
std::vector<std::string> pretrain_corpus_histories(const Dataset& ds, const PretrainCorpusOptions& options);
// One document per line of a traces JSON-lines file; rf::Error naming the file and line when a line is
// not a JSON object with string `prompt` and `completion`.
std::vector<std::string> pretrain_corpus_traces(const std::string& jsonl_path);

// Items, then histories, then each traces file's documents.
std::vector<std::string> pretrain_corpus_build(const Dataset& ds, const PretrainCorpusOptions& options,
                                               const std::vector<std::string>& trace_files = {});

}  // namespace rf
