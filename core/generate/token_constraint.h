// Constrained decoding: a per-sequence rule that may restrict which tokens come next (DESIGN.md §2,
// generate/). The generator asks each running row's constraint for its allowed tokens before choosing,
// removes the others from the row's logits, and tells the constraint which token was chosen.
//
// The log-probability the generator reports for a token is taken over what the row could choose from:
// the allowed ids when a constraint is narrow (at most half the vocabulary: an answer grammar), the
// whole vocabulary otherwise (GenerateResult::logprobs); the GRPO trainer recomputes it the same way.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace rf {

class TokenConstraint {
 public:
  virtual ~TokenConstraint() = default;
  // The ids allowed next, ascending; nullptr: any token. Never an empty list (a rule that reaches a
  // dead end lifts itself and returns nullptr).
  virtual const std::vector<int64_t>* allowed() = 0;
  // The token the row emitted (every token, in order, constrained or not).
  virtual void advance(int64_t token) = 0;
  // When allowed() is nullptr: a few ids the row still may not write (nullptr: none), e.g. the end of
  // turn before a required answer. Removed from the logits on their device, without the O(V) host pass
  // an allowed list costs; the log-prob is then over the rest of the vocabulary.
  virtual const std::vector<int64_t>* banned() { return nullptr; }
};

// Makes the constraint of one generated row (its index into the prompts); nullptr: no constraint.
using TokenConstraintMaker = std::function<std::unique_ptr<TokenConstraint>(size_t row)>;

}  // namespace rf
