// Constrained decoding: a per-sequence rule that may restrict which tokens come next (DESIGN.md §2,
// generate/). The generator asks each running row's constraint for its allowed tokens before choosing,
// removes the others from the row's logits, and tells the constraint which token was chosen.
//
// The log-probability the generator reports for a constrained token stays the model's own,
// log_softmax(logits / T)[token] over the whole vocabulary: it is what the GRPO trainer recomputes
// (as TRL does with vLLM's guided decoding), and it shows how much the model itself wanted the token.
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
};

// Makes the constraint of one generated row (its index into the prompts); nullptr: no constraint.
using TokenConstraintMaker = std::function<std::unique_ptr<TokenConstraint>(size_t row)>;

}  // namespace rf
