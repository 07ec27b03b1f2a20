// Tagged blocks as a decoding constraint (see tagged_blocks_constraint.h): one character automaton from
// the first opening tag through every block to the last closing tag.
#include "generate/tagged_blocks_constraint.h"

#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace rf {

namespace {

std::string tag_open(const std::string& tag) { return "<" + tag + ">"; }
std::string tag_close(const std::string& tag) { return "</" + tag + ">"; }
// What follows a closed block: a new line and the next block's opening tag.
std::string tag_next_opening(const std::string& tag) {
  std::string s(1, '\n');
  s.append(tag_open(tag));
  return s;
}

bool is_choice(const std::vector<std::string>& choices, const std::string& s) {
  return std::find(choices.begin(), choices.end(), s) != choices.end();
}

bool extends_choice(const std::vector<std::string>& choices, const std::string& s) {
  for (const std::string& c : choices)
    if (c.size() > s.size() && c.compare(0, s.size(), s) == 0) return true;
  return false;
}

}  // namespace

std::vector<std::string> tagged_blocks_rating_choices(double low, double high, double step) {
  if (!(step > 0) || !std::isfinite(low) || !std::isfinite(high) || high < low)
    throw Error("rating choices: need low <= high and a step > 0");
  std::vector<std::string> out;
  for (int64_t i = 0; low + static_cast<double>(i) * step <= high + 1e-9; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", low + static_cast<double>(i) * step);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    out.push_back(s);
  }
  return out;
}

TaggedBlocksConstraint::TaggedBlocksConstraint(std::shared_ptr<const TokenTexts> texts, TaggedBlocksSpec spec)
    : texts_(std::move(texts)), spec_(std::move(spec)) {
  if (!texts_) throw Error("tagged blocks constraint: no token texts");
  if (spec_.tags.empty()) throw Error("tagged blocks constraint: no tags");
  for (const std::string& t : spec_.tags)
    if (t.empty() || t.find_first_of("<>") != std::string::npos)
      throw Error("tagged blocks constraint: the tag \"" + t + "\" is empty or holds '<' or '>'");
  for (const std::string& c : spec_.choices)
    if (c.empty() || c.find('<') != std::string::npos)
      throw Error("tagged blocks constraint: the answer choice \"" + c + "\" is empty or holds '<'");
  if (slot() && !spec_.choices.empty()) throw Error("tagged blocks constraint: a last block with choices cannot be a slot too");
  if (slot() && (spec_.slot_close.empty() || spec_.slot_banned.find(spec_.slot_close[0]) == std::string::npos))
    throw Error("tagged blocks constraint: the slot's closing text must begin with a character its words may not hold");
  if (slot() && spec_.slot_banned.find('<') == std::string::npos) spec_.slot_banned += '<';
  std::sort(spec_.end_ids.begin(), spec_.end_ids.end());
  spec_.end_ids.erase(std::unique(spec_.end_ids.begin(), spec_.end_ids.end()), spec_.end_ids.end());

  const int32_t B = static_cast<int32_t>(spec_.tags.size());
  if (spec_.budget > 0) {
    // Every tag, the separators, the longest choice and an end id, in their shortest spellings, plus a
    // quarter for a model that spells them in smaller pieces.
    int32_t need = spec_.end_ids.empty() ? 0 : 1;
    for (int32_t b = 0; b < B; ++b) {
      need += token_texts_shortest_spelling(*texts_, tag_open(spec_.tags[static_cast<size_t>(b)])) +
              token_texts_shortest_spelling(*texts_, tag_close(spec_.tags[static_cast<size_t>(b)]));
      if (b > 0) need += token_texts_shortest_spelling(*texts_, "\n");
    }
    int32_t longest = 0;
    for (const std::string& c : spec_.choices) longest = std::max(longest, token_texts_shortest_spelling(*texts_, c));
    need += longest;
    if (slot()) need += token_texts_shortest_spelling(*texts_, spec_.slot_open) + token_texts_shortest_spelling(*texts_, spec_.slot_close);
    reserve_ = need + (need + 3) / 4;
    int32_t free_blocks = 0;
    for (int32_t b = 0; b < B; ++b) free_blocks += free_block(b);
    // Shares in halves: two for each free block, one for the slot's words.
    const int32_t halves = 2 * free_blocks + (slot() ? 1 : 0);
    const int32_t half = std::max(1, (spec_.budget - reserve_) / std::max(1, halves));
    body_limit_ = 2 * half;
    slot_limit_ = slot() ? half : 0;
  }
  // In a body with no tag begun, only a token holding '<' can break the format, and which ones depends
  // only on the block and on whether the body holds text yet.
  banned_.assign(static_cast<size_t>(2 * B + 2), spec_.end_ids);
  if (slot()) {
    for (int64_t v = 0; v < texts_->size(); ++v) {
      const std::string& x = texts_->text[static_cast<size_t>(v)];
      if (texts_->special[static_cast<size_t>(v)] || x.find_first_of(spec_.slot_banned) == std::string::npos) continue;
      for (int with_text = 0; with_text < 2; ++with_text) {
        State s;
        s.at = State::At::Slot;
        s.block = B - 1;
        s.body_chars = with_text;
        if (!feed(s, x)) banned_[static_cast<size_t>(2 * B + with_text)].push_back(v);
      }
    }
    for (int with_text = 0; with_text < 2; ++with_text) {
      std::vector<int64_t>& banned = banned_[static_cast<size_t>(2 * B + with_text)];
      std::sort(banned.begin(), banned.end());
      banned.erase(std::unique(banned.begin(), banned.end()), banned.end());
    }
  }
  for (int32_t b = 0; b < B; ++b) {
    for (int with_text = 0; with_text < 2; ++with_text) {
      std::vector<int64_t>& banned = banned_[static_cast<size_t>(2 * b + with_text)];
      for (int64_t v : texts_->with_lt) {
        State s;
        s.at = State::At::Body;
        s.block = b;
        s.body_chars = with_text;
        if (!feed(s, texts_->text[static_cast<size_t>(v)])) banned.push_back(v);
      }
      std::sort(banned.begin(), banned.end());
      banned.erase(std::unique(banned.begin(), banned.end()), banned.end());
    }
  }
  if (!feed(state_, spec_.prefix))
    throw Error("tagged blocks constraint: the prefill \"" + spec_.prefix + "\" does not fit the format");
  if (state_.at == State::At::Lead) {  // no text of the model's own before the first tag
    const std::string open = tag_open(spec_.tags[0]);
    state_.forced = open.substr(static_cast<size_t>(state_.matched));
    state_.forced_at = 0;
    state_.after = State::At::Body;
    state_.block = 0;
    state_.matched = 0;
    state_.at = State::At::Forced;
  }
}

void TaggedBlocksConstraint::enter_block(State& s, int32_t block) const {
  s.block = block;
  s.matched = 0;
  s.body_chars = 0;
  s.answer.clear();
  if (free_block(block)) {
    s.at = State::At::Body;
  } else if (!slot()) {
    s.at = State::At::Answer;
  } else {
    s.at = State::At::Forced;
    s.forced = spec_.slot_open;
    s.forced_at = 0;
    s.after = State::At::Slot;
    if (s.forced.empty()) s.at = State::At::Slot;
  }
}

bool TaggedBlocksConstraint::free_text() const {
  return (state_.at == State::At::Body && state_.matched == 0) || state_.at == State::At::Slot;
}

bool TaggedBlocksConstraint::feed_char(State& s, char c) const {
  const int32_t B = static_cast<int32_t>(spec_.tags.size());
  switch (s.at) {
    case State::At::Lead: {  // free text until the first opening tag (the prefill's)
      const std::string open = tag_open(spec_.tags[0]);
      if (c == open[static_cast<size_t>(s.matched)]) {
        if (++s.matched == static_cast<int32_t>(open.size())) enter_block(s, 0);
      } else {
        s.matched = c == '<' ? 1 : 0;
      }
      return true;
    }
    case State::At::Forced:
      if (c != s.forced[static_cast<size_t>(s.forced_at)]) return false;
      if (++s.forced_at == static_cast<int32_t>(s.forced.size())) {
        if (s.after == State::At::End) {
          s.at = State::At::End;
        } else if (s.after == State::At::Slot) {
          s.at = State::At::Slot;
          s.body_chars = 0;
        } else {
          enter_block(s, s.block);
        }
      }
      return true;
    case State::At::Body: {
      if (s.matched == 0) {
        if (c != '<') {
          if (c != ' ' && c != '\n' && c != '\t' && c != '\r') ++s.body_chars;  // the parser trims blocks
          return true;
        }
        if (s.body_chars == 0) return false;  // a block needs some text before it closes
      }
      const std::string close = tag_close(spec_.tags[static_cast<size_t>(s.block)]);
      if (c != close[static_cast<size_t>(s.matched)]) return false;
      if (++s.matched < static_cast<int32_t>(close.size())) return true;
      s.matched = 0;
      if (s.block + 1 < B) {
        s.at = State::At::Forced;
        s.forced = tag_next_opening(spec_.tags[static_cast<size_t>(s.block + 1)]);
        s.forced_at = 0;
        s.after = State::At::Body;
        ++s.block;
      } else {
        s.at = State::At::End;
      }
      return true;
    }
    case State::At::Answer:
      if (c == '<') {  // a whole choice is written: its block closes
        if (!is_choice(spec_.choices, s.answer)) return false;
        s.at = State::At::Body;
        s.body_chars = static_cast<int32_t>(s.answer.size());
        s.matched = 1;
        return true;
      }
      // The answer so far must be a choice or begin one ("4" may go on to "4.5").
      if (!is_choice(spec_.choices, s.answer + c) && !extends_choice(spec_.choices, s.answer + c)) return false;
      s.answer.push_back(c);
      return true;
    case State::At::Slot:
      if (spec_.slot_banned.find(c) == std::string::npos) {
        if (c != ' ') ++s.body_chars;
        return true;
      }
      if (c != spec_.slot_close[0] || s.body_chars == 0) return false;
      // The words end: the rest of the slot's closing text and the block's closing tag follow.
      s.at = State::At::Forced;
      s.forced = spec_.slot_close.substr(1) + tag_close(spec_.tags[static_cast<size_t>(s.block)]);
      s.forced_at = 0;
      s.after = State::At::End;
      if (s.forced.empty()) s.at = State::At::End;
      return true;
    case State::At::End:
      return false;
  }
  return false;
}

bool TaggedBlocksConstraint::feed(State& s, const std::string& text) const {
  for (char c : text)
    if (!feed_char(s, c)) return false;
  return true;
}

void TaggedBlocksConstraint::close_block() {
  const int32_t B = static_cast<int32_t>(spec_.tags.size());
  state_.forced = (state_.at == State::At::Slot ? spec_.slot_close : std::string()) + tag_close(spec_.tags[static_cast<size_t>(state_.block)]);
  state_.forced_at = 0;
  if (state_.block + 1 < B) {
    state_.forced += tag_next_opening(spec_.tags[static_cast<size_t>(state_.block + 1)]);
    state_.after = State::At::Body;
    ++state_.block;
  } else {
    state_.after = State::At::End;
  }
  state_.matched = 0;
  state_.at = State::At::Forced;
  block_tokens_ = 0;
  allowed_valid_ = false;
}

std::string TaggedBlocksConstraint::phase() const {
  if (off_) return "off";
  switch (state_.at) {
    case State::At::Lead: return "lead";
    case State::At::Forced: return "forced";
    case State::At::Body: return state_.matched > 0 ? "closing" : "body";
    case State::At::Answer: return "answer";
    case State::At::Slot: return "slot";
    case State::At::End: return "end";
  }
  return "off";
}

const std::vector<int64_t>* TaggedBlocksConstraint::banned() {
  if (off_ || !free_text()) return nullptr;
  const int32_t B = static_cast<int32_t>(spec_.tags.size());
  const int32_t at = state_.at == State::At::Slot ? 2 * B : 2 * state_.block;
  const std::vector<int64_t>& b = banned_[static_cast<size_t>(at + (state_.body_chars > 0 ? 1 : 0))];
  return b.empty() ? nullptr : &b;
}

void TaggedBlocksConstraint::advance(int64_t token) {
  allowed_valid_ = false;
  ++written_;
  if (off_ || state_.at == State::At::End) return;
  const int32_t block_before = state_.block;
  const bool was_free = free_text();
  const bool known = token >= 0 && token < texts_->size();
  if (!known || texts_->special[static_cast<size_t>(token)] || texts_->text[static_cast<size_t>(token)].empty()) {
    off_ = !was_free;  // no text: harmless inside a block's text, a break anywhere else
    if (!off_ && std::binary_search(spec_.end_ids.begin(), spec_.end_ids.end(), token)) off_ = true;
  } else if (!feed(state_, texts_->text[static_cast<size_t>(token)])) {
    off_ = true;  // a token outside the format (the caller ignored allowed()) lifts the constraint
  }
  if (off_) return;
  if (state_.block != block_before || (state_.at == State::At::Slot && !was_free)) block_tokens_ = 0;
  else if (was_free && free_text()) ++block_tokens_;
  if (free_text() && state_.body_chars > 0 && share_spent()) close_block();
}

bool TaggedBlocksConstraint::share_spent() const {
  const int32_t limit = state_.at == State::At::Slot ? slot_limit_ : body_limit_;
  return spec_.budget > 0 && (block_tokens_ >= limit || written_ + reserve_ >= spec_.budget);
}

const std::vector<int64_t>* TaggedBlocksConstraint::allowed() {
  if (off_) return nullptr;
  if (state_.at == State::At::End) return spec_.end_ids.empty() ? nullptr : &spec_.end_ids;
  const bool free = free_text();
  if (free && !(state_.body_chars == 0 && share_spent())) return nullptr;  // banned() holds the exceptions
  if (allowed_valid_) return &allowed_;
  allowed_.clear();
  allowed_valid_ = true;
  if (free) {
    // The block's share is spent but it holds only white space, which the parser would find empty: one
    // token of text next, then the block closes.
    for (int64_t v = 0; v < texts_->size(); ++v) {
      State s = state_;
      if (!texts_->special[static_cast<size_t>(v)] && !texts_->text[static_cast<size_t>(v)].empty() &&
          feed(s, texts_->text[static_cast<size_t>(v)]) && s.at == state_.at && s.body_chars > 0)
        allowed_.push_back(v);
    }
    if (allowed_.empty()) {
      off_ = true;
      return nullptr;
    }
    return &allowed_;
  }
  if (state_.at == State::At::Forced) {
    // Nothing to choose: the one token that writes the most of the forced text, so that tags cost what the
    // budget's reserve counted and not a token a character.
    const std::string rest = state_.forced.substr(static_cast<size_t>(state_.forced_at));
    int64_t best = -1;
    for (int64_t v : texts_->by_first[static_cast<uint8_t>(rest[0])]) {
      const std::string& x = texts_->text[static_cast<size_t>(v)];
      if (x.size() <= rest.size() && rest.compare(0, x.size(), x) == 0 &&
          (best < 0 || x.size() > texts_->text[static_cast<size_t>(best)].size()))
        best = v;
    }
    if (best >= 0) {
      allowed_.push_back(best);
      return &allowed_;
    }
  }
  // Only the tokens whose first character the format takes now are tried.
  for (int c = 0; c < 256; ++c) {
    State s = state_;
    if (!feed_char(s, static_cast<char>(c))) continue;
    for (int64_t v : texts_->by_first[static_cast<size_t>(c)]) {
      State t = state_;
      if (feed(t, texts_->text[static_cast<size_t>(v)])) allowed_.push_back(v);
    }
  }
  std::sort(allowed_.begin(), allowed_.end());
  if (allowed_.empty()) {  // no token spells the next character: give up rather than block the row
    off_ = true;
    return nullptr;
  }
  return &allowed_;
}

}  // namespace rf
