// The answer format of the recipes without a candidate pool, as a decoding constraint: a completion made
// of tagged blocks in a fixed order, e.g. Rating's (RecZero)
//   <analyze user>...</analyze user>\n<analyze item>...</analyze item>\n<match>...</match>\n<rate>4.5</rate>
// or Query's <think>...</think>\n<answer>{"query": ...}</answer>. Each block's text is free, except that a
// '<' in it may only begin the block's own closing tag, and only once the block holds some text; a closed
// block is followed at once by "\n" and the next block's opening tag. The last block is either free text
// too or, with `choices`, exactly one of them (a rating from the scale). The end ids come after the last
// closing tag only. Text before the first opening tag can come from the prefill alone ("Let me solve this
// step by step.\n<think>"); with none, the completion starts with the first opening tag.
//
// The last block can also be a slot: fixed text around free words (Query's JSON answer, see
// TaggedBlocksSpec), the closing text written once the free words end (at the slot's closing character).
//
// With `budget` (the row's max new tokens), every free block gets an equal share of what the tags and
// the answer leave (a slot gets half a share: words, not reasoning), and a block that reaches its share is
// closed there ("</match>\n<rate>" is written next), so a small model that does not yet close its blocks
// still ends with a parseable answer — the same reason ListAnswerConstraint closes a long reasoning
// (list_answer_constraint.h).
#pragma once

#include "generate/token_constraint.h"
#include "text/token_texts.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rf {

struct TaggedBlocksSpec {
  std::vector<std::string> tags;     // the blocks in order, e.g. {"think", "answer"}
  std::vector<std::string> choices;  // the last block's only allowed texts (empty: free text)
  // Or the last block as `slot_open` + free text + `slot_close`, the free text without `slot_banned`
  // characters: Query's {"query": "..."} is "{\"query\": \"" + words + "\"}", no '"', '\\' or new line.
  std::string slot_open, slot_close, slot_banned;
  std::vector<int64_t> end_ids;      // allowed (only) after the last closing tag; empty: free after it
  std::string prefix;                // text already written before the first generated token (the prefill)
  int32_t budget = 0;                // the row's max new tokens: close blocks in time (0 = no limit)
};

// Ratings from `low` to `high` in steps of `step`, written as the teacher traces write them ("4", "3.5").
std::vector<std::string> tagged_blocks_rating_choices(double low, double high, double step = 0.5);

class TaggedBlocksConstraint final : public TokenConstraint {
 public:
  // rf::Error when there is no tag, a tag is empty or holds '<' or '>', a choice is empty or holds '<', or
  // the prefix does not fit the format.
  TaggedBlocksConstraint(std::shared_ptr<const TokenTexts> texts, TaggedBlocksSpec spec);
  const std::vector<int64_t>* allowed() override;
  void advance(int64_t token) override;
  const std::vector<int64_t>* banned() override;

  // For tests: "lead" (before the first tag), "forced" (writing tags), "body", "closing" (a closing tag
  // begun in a body), "answer" (one of the choices), "slot" (the slot's free words), "end", "off" (lifted
  // after a dead end); and the block.
  std::string phase() const;
  int32_t block() const { return state_.block; }
  int32_t body_limit() const { return body_limit_; }  // tokens a free block may hold (0: no budget)
  int32_t slot_limit() const { return slot_limit_; }  // tokens the slot's words may take (0: no budget)

  struct State {
    enum class At { Lead, Forced, Body, Answer, Slot, End } at = At::Lead;
    int32_t block = 0;          // the block being written (Forced: the one its text opens)
    int32_t matched = 0;        // Lead: characters of the first opening tag; Body: of the closing tag
    int32_t body_chars = 0;     // characters of the current block's text
    std::string forced;         // Forced: the text to write ...
    int32_t forced_at = 0;      // ... how much of it is written ...
    At after = At::Body;        // ... and what comes after it
    std::string answer;         // Answer: the choice written so far
  };

 private:
  bool feed(State& s, const std::string& text) const;  // false: the text breaks the format
  bool feed_char(State& s, char c) const;
  void enter_block(State& s, int32_t block) const;     // after block-1's closing tag: "\n<tag>" is forced
  void close_block();                                   // the block's share is spent: write its closing next
  bool share_spent() const;                             // the current block has used its share of the budget
  bool last_block(int32_t b) const { return b + 1 == static_cast<int32_t>(spec_.tags.size()); }
  bool slot() const { return !spec_.slot_open.empty() || !spec_.slot_close.empty(); }
  bool free_block(int32_t b) const { return !last_block(b) || (spec_.choices.empty() && !slot()); }
  bool free_text() const;                               // in a block's text or the slot's words, no tag begun

  std::shared_ptr<const TokenTexts> texts_;
  TaggedBlocksSpec spec_;
  State state_;
  bool off_ = false;
  int32_t written_ = 0;          // tokens advanced
  int32_t block_tokens_ = 0;     // tokens written in the current block's text
  int32_t reserve_ = 0;          // tokens the tags and the answer need, with room to spare
  int32_t body_limit_ = 0;       // each free block's share of the budget (0: no budget)
  int32_t slot_limit_ = 0;       // the slot's share
  // Per block, without and with text yet: the end ids and the tokens holding '<' that break a body; then,
  // for the slot, the end ids and the tokens holding a character the slot refuses or closes with.
  std::vector<std::vector<int64_t>> banned_;
  std::vector<int64_t> allowed_;
  bool allowed_valid_ = false;
};

}  // namespace rf
