// The List answer grammar (see list_answer_constraint.h): one character automaton from the reasoning
// through "<answer>" to "]</answer>".
#include "generate/list_answer_constraint.h"

#include "util/error.h"

#include <algorithm>

namespace rf {

namespace {

constexpr char kOpenTag[] = "<answer>";
constexpr int32_t kOpenTagLen = 8;
constexpr char kClose[] = "]</answer>";
constexpr int32_t kCloseLen = 10;

// Whether `id` + c starts some pool id not yet taken, and which pool id `id` is when complete (-1: none).
void id_step(const std::vector<std::string>& pool, const std::vector<uint8_t>& taken, const std::string& id, char c,
             bool& grows, int32_t& complete) {
  grows = false;
  complete = -1;
  for (size_t p = 0; p < pool.size(); ++p) {
    if (taken[p]) continue;
    const std::string& cand = pool[p];
    if (cand.size() > id.size() && cand[id.size()] == c && cand.compare(0, id.size(), id) == 0) grows = true;
    if (cand == id) complete = static_cast<int32_t>(p);
  }
}

}  // namespace

ListAnswerConstraint::ListAnswerConstraint(std::shared_ptr<const TokenTexts> texts, ListAnswerSpec spec)
    : texts_(std::move(texts)), spec_(std::move(spec)) {
  if (!texts_) throw Error("list answer constraint: no token texts");
  if (spec_.pool.empty()) throw Error("list answer constraint: the candidate pool is empty");
  if (spec_.k < 1) throw Error("list answer constraint: k must be >= 1, got " + std::to_string(spec_.k));
  for (const std::string& id : spec_.pool)
    if (id.empty() || id.find_first_of(", []") != std::string::npos)
      throw Error("list answer constraint: the candidate id \"" + id + "\" is empty or holds ',', ' ', '[' or ']'");
  spec_.k = std::min<int32_t>(spec_.k, static_cast<int32_t>(spec_.pool.size()));
  std::sort(spec_.end_ids.begin(), spec_.end_ids.end());
  spec_.end_ids.erase(std::unique(spec_.end_ids.begin(), spec_.end_ids.end()), spec_.end_ids.end());
  state_.used.assign(spec_.pool.size(), 0);
  state_.named.assign(spec_.pool.size(), 0);
  if (spec_.mentions)
    for (int64_t v = 0; v < texts_->size(); ++v)
      if (texts_->text[static_cast<size_t>(v)].find_first_of("[<") == std::string::npos) plain_.push_back(v);
  off_ = !feed(state_, spec_.prefix);
}

std::string ListAnswerConstraint::phase() const {
  if (off_) return "off";
  switch (state_.at) {
    case State::At::Text: return "free";
    case State::At::Mention: return "mention";
    case State::At::End: return "end";
    default: return "answer";
  }
}

bool ListAnswerConstraint::feed_char(State& s, char c) const {
  bool grows = false;
  int32_t complete = -1;
  switch (s.at) {
    case State::At::Text:
      if (spec_.mentions && c == '[') {
        s.at = State::At::Mention;
        s.id.clear();
        s.tag = 0;
        return std::find(s.named.begin(), s.named.end(), 0) != s.named.end();
      }
      if (c == kOpenTag[s.tag]) {
        if (++s.tag == kOpenTagLen) {
          s.at = State::At::Open;
          s.tag = 0;
        }
      } else {
        s.tag = c == '<' ? 1 : 0;  // "<answer>" has no other border
      }
      return true;
    case State::At::Mention:
      id_step(spec_.pool, s.named, s.id, c, grows, complete);
      if (grows) {
        s.id.push_back(c);
      } else if (complete >= 0 && c == ']') {
        s.named[static_cast<size_t>(complete)] = 1;
        s.at = State::At::Text;
      } else {
        return false;
      }
      return true;
    case State::At::Open:
      if (c != '[') return false;
      s.at = State::At::Id;
      s.id.clear();
      return true;
    case State::At::Id:
      // Either the id goes on (some unused pool id starts with it) or it is complete and ends here.
      id_step(spec_.pool, s.used, s.id, c, grows, complete);
      if (grows) {
        s.id.push_back(c);
      } else if (complete >= 0 && c == ',' && s.count + 1 < spec_.k) {
        s.used[static_cast<size_t>(complete)] = 1;
        ++s.count;
        s.at = State::At::Space;
      } else if (complete >= 0 && c == ']' && s.count + 1 == spec_.k) {
        s.used[static_cast<size_t>(complete)] = 1;
        ++s.count;
        s.at = State::At::Close;
        s.close = 1;
      } else {
        return false;
      }
      return true;
    case State::At::Space:
      if (c != ' ') return false;
      s.at = State::At::Id;
      s.id.clear();
      return true;
    case State::At::Close:
      if (c != kClose[s.close]) return false;
      if (++s.close == kCloseLen) s.at = State::At::End;
      return true;
    case State::At::End:
      return false;
  }
  return false;
}

bool ListAnswerConstraint::feed(State& s, const std::string& text) const {
  for (char c : text)
    if (!feed_char(s, c)) return false;
  return true;
}

void ListAnswerConstraint::advance(int64_t token) {
  allowed_valid_ = false;
  if (off_ || state_.at == State::At::End) return;
  const bool known = token >= 0 && token < texts_->size();
  // A special token (end of turn, ...) adds no text: harmless in the reasoning, a break anywhere else.
  if (!known || texts_->special[static_cast<size_t>(token)]) {
    off_ = state_.at != State::At::Text;
    return;
  }
  // A token outside the grammar (the caller ignored allowed()) lifts the constraint.
  if (!feed(state_, texts_->text[static_cast<size_t>(token)])) off_ = true;
}

const std::vector<int64_t>* ListAnswerConstraint::allowed() {
  if (off_) return nullptr;
  if (state_.at == State::At::End) return spec_.end_ids.empty() ? nullptr : &spec_.end_ids;
  const bool text = state_.at == State::At::Text;
  if (text && !spec_.mentions) return nullptr;
  if (allowed_valid_) return &allowed_;
  allowed_.clear();
  const int64_t V = texts_->size();
  auto fits = [&](int64_t v) {
    const std::string& t = texts_->text[static_cast<size_t>(v)];
    if (texts_->special[static_cast<size_t>(v)] || t.empty()) return text;  // no text: free only in the reasoning
    State s = state_;
    return feed(s, t);
  };
  if (text && state_.tag == 0) {
    // In the reasoning only '[' and '<' can change anything: the plain tokens are all fine.
    std::vector<int64_t> other;
    for (int64_t v = 0, j = 0; v < V; ++v) {
      if (j < static_cast<int64_t>(plain_.size()) && plain_[static_cast<size_t>(j)] == v) {
        ++j;
        continue;
      }
      if (fits(v)) other.push_back(v);
    }
    allowed_.resize(plain_.size() + other.size());
    std::merge(plain_.begin(), plain_.end(), other.begin(), other.end(), allowed_.begin());
  } else {
    // Only the tokens whose first character the grammar takes now are tried: in an answer that is a
    // few hundred of a 150k vocabulary.
    for (int c = 0; c < 256; ++c) {
      State s = state_;
      if (!feed_char(s, static_cast<char>(c))) continue;
      for (int64_t v : texts_->by_first[static_cast<size_t>(c)])
        if (fits(v)) allowed_.push_back(v);
    }
    if (text) allowed_.insert(allowed_.end(), texts_->no_text.begin(), texts_->no_text.end());
    std::sort(allowed_.begin(), allowed_.end());
  }
  allowed_valid_ = true;
  if (allowed_.empty()) {  // no token spells the next character: give up rather than block the row
    off_ = true;
    return nullptr;
  }
  return &allowed_;
}

}  // namespace rf
