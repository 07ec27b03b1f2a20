// The List recipe's answer grammar as a decoding constraint: free text until the sequence has written
// "<answer>", then exactly `[id, id, ..., id]</answer>` with k distinct ids of the candidate pool
// (k = min(k, pool size)), then one of the end ids when any are given. The reasoning before the answer is
// never touched. Characters are checked one at a time, so any tokenisation of the answer is accepted
// ("[i0072, i0213" may come as "[", "i", "0072", ",", " i", ... or in bigger pieces).
#pragma once

#include "generate/token_constraint.h"
#include "text/token_texts.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rf {

struct ListAnswerSpec {
  std::vector<std::string> pool;  // the candidate ids as they are written in an answer
  int32_t k = 10;                 // answer length (capped at the pool's size)
  std::vector<int64_t> end_ids;   // allowed (only) after "</answer>"; empty: free text after it
  std::string prefix;             // text already written before the first generated token (the prefill)
};

class ListAnswerConstraint final : public TokenConstraint {
 public:
  // `texts` must outlive the constraint. rf::Error when the pool is empty, an id is empty or has a
  // character the grammar uses (',', ' ', ']'), or k < 1.
  ListAnswerConstraint(std::shared_ptr<const TokenTexts> texts, ListAnswerSpec spec);
  const std::vector<int64_t>* allowed() override;
  void advance(int64_t token) override;

  // Where the grammar stands, for tests: "free" (before <answer>), "answer", "end" (after </answer>),
  // "off" (lifted after a dead end).
  std::string phase() const;

  // The grammar's state inside the answer (public for the helper functions in the .cpp).
  struct State {
    enum class At { Open, Id, Space, Close, End } at = At::Open;
    std::string id;             // the id being written
    int32_t close = 0;          // characters of "]</answer>" written
    int32_t count = 0;          // ids completed
    std::vector<uint8_t> used;  // (pool) ids already listed
  };

 private:
  bool feed(State& s, const std::string& text) const;  // false: the text breaks the grammar
  void enter_answer(const std::string& rest);

  std::shared_ptr<const TokenTexts> texts_;
  ListAnswerSpec spec_;
  enum class Phase { Free, Answer, End, Off } phase_ = Phase::Free;
  std::string tail_;  // the last characters written while free (to spot "<answer>")
  State state_;
  std::vector<int64_t> allowed_;
  bool allowed_valid_ = false;
};

}  // namespace rf
