// The List recipe's answer grammar as a decoding constraint: free text until the sequence has written
// "<answer>", then exactly `[id, id, ..., id]</answer>` with k distinct ids of the candidate pool
// (k = min(k, pool size)), then one of the end ids when any are given. Characters are checked one at a
// time, so any tokenisation of the answer is accepted ("[i0072, i0213" may come as "[", "i", "0072", ",",
// " i", ... or in bigger pieces).
//
// The reasoning may not end the turn: the end ids come after "</answer>" only. With `think_close`, a '<' in
// the reasoning begins a tag the format needs and nothing else: think_close, or its opening tag ("<think>"
// for "</think>") while that is not yet written — so the reasoning cannot write a second "<think>", open
// the answer without closing the reasoning, or write a stray "</answer>", each a format failure the
// parser would count. Without it '<' is free, and "<answer>" opens the answer wherever it is written.
//
// With `mentions`, the reasoning before the answer is held too, but only where it names an item: every
// "[" there must open "[id]" with a pool id not named before (the way the List templates and teacher traces
// write items), so a model that ranks candidates in its reasoning ranks the real ones. Everything else in
// the reasoning stays free.
//
// With `think_close` ("</think>"), writing it starts the answer: "\n<answer>" follows at once, so a model
// cannot close its reasoning and then wander off. With `budget` (the row's max new tokens), the reasoning
// is closed early enough that the whole answer fits: when the tokens left reach what the answer needs
// (its shortest tokenisation, with room to spare), "\n</think>\n<answer>" is written next and the list
// follows (a mention being written is finished first). Without them a long reasoning is cut by the length limit and the answer is lost.
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
  std::string think_close;        // e.g. "</think>": the answer opens right after it ("" = no such tag)
  int32_t budget = 0;             // the row's max new tokens: close the reasoning in time (0 = no limit)
};

// The tokens an answer needs after the reasoning, at most: "\n" + think_close + "\n<answer>[", k ids with
// their separators, "]</answer>" and an end id, each in its shortest tokenisation (the longest id's for
// every id), and with mentions the rest of a mention begun (one id and "]"), plus a quarter for a model that
// spells them in smaller pieces. An estimate, not a bound: a model that spells ids one character at a time
// can still run out of tokens, and then its answer is cut as without the budget.
int32_t list_answer_reserve(const TokenTexts& texts, const ListAnswerSpec& spec);

class ListAnswerConstraint final : public TokenConstraint {
 public:
  // rf::Error when the pool is empty, an id is empty or has a character the grammar uses (',', ' ', '[',
  // ']'), k < 1, or think_close does not start with '<' or holds '['.
  ListAnswerConstraint(std::shared_ptr<const TokenTexts> texts, ListAnswerSpec spec);
  const std::vector<int64_t>* allowed() override;
  void advance(int64_t token) override;
  const std::vector<int64_t>* banned() override;

  // Where the grammar stands, for tests: "free" (before <answer>), "mention" (inside "[" in the
  // reasoning), "closing" (writing the text that opens the answer), "answer", "end" (after </answer>),
  // "off" (lifted after a dead end).
  std::string phase() const;

  // The automaton's state (public for the helpers in the .cpp).
  struct State {
    enum class At { Text, Mention, Forced, Open, Id, Space, Close, End } at = At::Text;
    int32_t tag = 0;               // no think_close: characters of "<answer>" matched at the end of the reasoning
    int32_t think = 0;             // characters of think_close written since the reasoning's last '<'
    int32_t open = 0;              // characters of the opening tag ("<think>") written since that '<'
    bool opened = false;           // the opening tag has been written (prefill included)
    std::string forced;            // Forced: the text to write before the answer's "[" ...
    int32_t forced_at = 0;         // ... and how much of it is written
    std::string id;                // the id being written (mention or answer)
    int32_t close = 0;             // characters of "]</answer>" written
    int32_t count = 0;             // answer ids completed
    std::vector<uint8_t> used;     // (pool) ids listed in the answer
    std::vector<uint8_t> named;    // (pool) ids named in the reasoning (mentions only)
  };

 private:
  bool feed(State& s, const std::string& text) const;  // false: the text breaks the grammar
  bool feed_char(State& s, char c) const;
  void close_reasoning();  // the budget is spent: write the answer's opening next

  std::shared_ptr<const TokenTexts> texts_;
  ListAnswerSpec spec_;
  State state_;
  bool off_ = false;
  int32_t written_ = 0;            // tokens advanced
  int32_t reserve_ = 0;            // list_answer_reserve, when there is a budget
  std::vector<int64_t> plain_;     // tokens with no '[' and no '<', not an end id: free in the reasoning when no tag is open
  bool in_tag() const;             // the reasoning has begun a tag
  std::string think_open_;         // think_close's opening tag: "<think>" for "</think>" ("" without one)
  std::vector<int64_t> banned_[2];  // the end ids and the tokens that break the grammar, from a reasoning with
                                    // no tag begun, before [0] and after [1] the opening tag is written
  std::vector<int64_t> reasoning_no_text_;  // no-text ids the reasoning may write (not the end ids)
  std::vector<int64_t> allowed_;
  bool allowed_valid_ = false;
};

}  // namespace rf
