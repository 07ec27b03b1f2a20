// The List recipe's answer grammar as a decoding constraint: free text until the sequence has written
// "<answer>", then exactly `[id, id, ..., id]</answer>` with k distinct ids of the candidate pool
// (k = min(k, pool size)), then one of the end ids when any are given. Characters are checked one at a
// time, so any tokenisation of the answer is accepted ("[i0072, i0213" may come as "[", "i", "0072", ",",
// " i", ... or in bigger pieces).
//
// With `mentions`, the reasoning before the answer is held too, but only where it names an item: every
// "[" there must open "[id]" with a pool id not named before (the way the List templates and teacher traces
// write items), so a model that ranks candidates in its reasoning ranks the real ones. Everything else in
// the reasoning stays free.
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
  bool mentions = false;          // "[id]" in the reasoning: distinct pool ids only
};

class ListAnswerConstraint final : public TokenConstraint {
 public:
  // rf::Error when the pool is empty, an id is empty or has a character the grammar uses (',', ' ', '[',
  // ']'), or k < 1.
  ListAnswerConstraint(std::shared_ptr<const TokenTexts> texts, ListAnswerSpec spec);
  const std::vector<int64_t>* allowed() override;
  void advance(int64_t token) override;

  // Where the grammar stands, for tests: "free" (before <answer>), "mention" (inside "[" in the
  // reasoning), "answer", "end" (after </answer>), "off" (lifted after a dead end).
  std::string phase() const;

  // The automaton's state (public for the helpers in the .cpp).
  struct State {
    enum class At { Text, Mention, Open, Id, Space, Close, End } at = At::Text;
    int32_t tag = 0;               // characters of "<answer>" matched at the end of the reasoning
    std::string id;                // the id being written (mention or answer)
    int32_t close = 0;             // characters of "]</answer>" written
    int32_t count = 0;             // answer ids completed
    std::vector<uint8_t> used;     // (pool) ids listed in the answer
    std::vector<uint8_t> named;    // (pool) ids named in the reasoning (mentions only)
  };

 private:
  bool feed(State& s, const std::string& text) const;  // false: the text breaks the grammar
  bool feed_char(State& s, char c) const;

  std::shared_ptr<const TokenTexts> texts_;
  ListAnswerSpec spec_;
  State state_;
  bool off_ = false;
  std::vector<int64_t> plain_;     // tokens with no '[' and no '<': free in the reasoning when no tag is open
  std::vector<int64_t> allowed_;
  bool allowed_valid_ = false;
};

}  // namespace rf
