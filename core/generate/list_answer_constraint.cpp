// The List answer grammar (see list_answer_constraint.h): one character automaton from the reasoning
// through "<answer>" to "]</answer>".
#include "generate/list_answer_constraint.h"

#include "util/error.h"

#include <algorithm>
#include <string_view>

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

// How much of `tag` is matched once c follows `matched` characters of it: the longest end of the text so
// far that starts the tag.
int32_t tag_step(std::string_view tag, int32_t matched, char c) {
  if (c == tag[static_cast<size_t>(matched)]) return matched + 1;
  if (matched == 0) return 0;
  const std::string seen = std::string(tag.substr(0, static_cast<size_t>(matched))) + c;
  for (size_t n = std::min(seen.size() - 1, tag.size() - 1); n > 0; --n)
    if (seen.compare(seen.size() - n, n, tag, 0, n) == 0) return static_cast<int32_t>(n);
  return 0;
}

// `tag` extended by c after `matched` of its characters: the new count, or -1 when c does not go on.
int32_t tag_next(std::string_view tag, int32_t matched, char c) {
  return !tag.empty() && static_cast<size_t>(matched) < tag.size() && tag[static_cast<size_t>(matched)] == c ? matched + 1 : -1;
}

std::string answer_opening(const std::string& think_close) {
  std::string s = "\n";
  if (!think_close.empty()) s.append(think_close).append("\n");
  return s.append(kOpenTag);
}

}  // namespace

int32_t list_answer_reserve(const TokenTexts& texts, const ListAnswerSpec& spec) {
  int32_t id = 0;
  for (const std::string& p : spec.pool) id = std::max(id, token_texts_shortest_spelling(texts, p));
  const int32_t k = std::min<int32_t>(spec.k, static_cast<int32_t>(spec.pool.size()));
  const int32_t need = token_texts_shortest_spelling(texts, answer_opening(spec.think_close) + "[") + k * id +
                       (k - 1) * token_texts_shortest_spelling(texts, ", ") + token_texts_shortest_spelling(texts, kClose) +
                       (spec.end_ids.empty() ? 0 : 1) +
                       (spec.mentions ? id + 1 : 0);  // a mention begun is finished first
  return need + (need + 3) / 4;
}

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
  if (!spec_.think_close.empty() && (spec_.think_close[0] != '<' || spec_.think_close.find('[') != std::string::npos))
    throw Error("list answer constraint: the reasoning's closing tag \"" + spec_.think_close +
                "\" must start with '<' and hold no '['");
  if (spec_.mentions) {
    for (int64_t v = 0; v < texts_->size(); ++v)
      if (texts_->text[static_cast<size_t>(v)].find_first_of("[<") == std::string::npos &&
          !std::binary_search(spec_.end_ids.begin(), spec_.end_ids.end(), v))
        plain_.push_back(v);
  }
  if (spec_.budget > 0) reserve_ = list_answer_reserve(*texts_, spec_);
  // The reasoning may not end the turn (the answer is still to come). From a reasoning with no tag begun,
  // only a token holding '<' can break the grammar (one that writes a whole tag and goes on wrongly);
  // which ones does not depend on anything written so far.
  for (int64_t v : texts_->no_text)
    if (!std::binary_search(spec_.end_ids.begin(), spec_.end_ids.end(), v)) reasoning_no_text_.push_back(v);
  if (!spec_.think_close.empty()) think_open_ = "<" + spec_.think_close.substr(spec_.think_close.rfind('/') == 1 ? 2 : 1);
  if (!spec_.mentions) {
    for (int opened = 0; opened < 2; ++opened) {
      std::vector<int64_t>& banned = banned_[opened];
      banned = spec_.end_ids;
      for (int64_t v : texts_->with_lt) {
        State s = state_;
        s.opened = opened == 1;
        if (!feed(s, texts_->text[static_cast<size_t>(v)])) banned.push_back(v);
      }
      std::sort(banned.begin(), banned.end());
      banned.erase(std::unique(banned.begin(), banned.end()), banned.end());
    }
  }
  off_ = !feed(state_, spec_.prefix);
  if (!off_ && spec_.budget > 0 && reserve_ >= spec_.budget && state_.at == State::At::Text) close_reasoning();
}

void ListAnswerConstraint::close_reasoning() {
  state_.at = State::At::Forced;
  state_.forced = answer_opening(spec_.think_close);
  state_.forced_at = 0;
  state_.tag = 0;
  state_.think = 0;
  state_.open = 0;
  state_.id.clear();
  allowed_valid_ = false;
}

bool ListAnswerConstraint::in_tag() const { return state_.tag > 0 || state_.think > 0 || state_.open > 0; }

const std::vector<int64_t>* ListAnswerConstraint::banned() {
  const std::vector<int64_t>& banned = banned_[state_.opened ? 1 : 0];
  if (off_ || state_.at != State::At::Text || spec_.mentions || in_tag() || banned.empty()) return nullptr;
  return &banned;
}

std::string ListAnswerConstraint::phase() const {
  if (off_) return "off";
  switch (state_.at) {
    case State::At::Text: return "free";
    case State::At::Mention: return "mention";
    case State::At::Forced: return "closing";
    case State::At::End: return "end";
    default: return "answer";
  }
}

bool ListAnswerConstraint::feed_char(State& s, char c) const {
  bool grows = false;
  int32_t complete = -1;
  switch (s.at) {
    case State::At::Text:
      if (spec_.mentions && c == '[' && s.think == 0 && s.open == 0) {  // (inside a tag, '[' is refused below)
        s.at = State::At::Mention;
        s.id.clear();
        s.tag = 0;
        return std::find(s.named.begin(), s.named.end(), 0) != s.named.end();
      }
      if (spec_.think_close.empty()) {  // '<' is free; "<answer>" opens the answer wherever it ends
        s.tag = tag_step(kOpenTag, s.tag, c);
        if (s.tag == kOpenTagLen) {
          s.at = State::At::Open;
          s.tag = 0;
        }
        return true;
      }
      if (s.think == 0 && s.open == 0 && c != '<') return true;  // plain text
      {
        // A tag is being written: c must go on with one the reasoning may write (see the header).
        // A tag with nothing matched while another is begun is out of the running.
        const bool begun = s.think > 0 || s.open > 0;
        const int32_t think = begun && s.think == 0 ? -1 : tag_next(spec_.think_close, s.think, c);
        const int32_t open = s.opened || (begun && s.open == 0) ? -1 : tag_next(think_open_, s.open, c);
        if (think < 0 && open < 0) return false;
        s.think = std::max(think, 0);
        s.open = std::max(open, 0);
      }
      if (s.think == static_cast<int32_t>(spec_.think_close.size())) {
        s.at = State::At::Forced;  // the answer opens at once
        s.forced = std::string("\n") + kOpenTag;
        s.forced_at = 0;
        s.think = 0;
        s.open = 0;
      } else if (s.open == static_cast<int32_t>(think_open_.size())) {
        s.opened = true;
        s.open = 0;
        s.think = 0;
      }
      return true;
    case State::At::Forced:
      if (c != s.forced[static_cast<size_t>(s.forced_at)]) return false;
      if (++s.forced_at == static_cast<int32_t>(s.forced.size())) s.at = State::At::Open;
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
  ++written_;
  if (off_ || state_.at == State::At::End) return;
  const bool known = token >= 0 && token < texts_->size();
  // A special token (end of turn, ...) adds no text: harmless in the reasoning, a break anywhere else.
  if (!known || texts_->special[static_cast<size_t>(token)]) {
    off_ = state_.at != State::At::Text;
  } else if (!feed(state_, texts_->text[static_cast<size_t>(token)])) {
    off_ = true;  // a token outside the grammar (the caller ignored allowed()) lifts the constraint
  }
  if (!off_ && spec_.budget > 0 && written_ + reserve_ >= spec_.budget && state_.at == State::At::Text) close_reasoning();
}

const std::vector<int64_t>* ListAnswerConstraint::allowed() {
  if (off_) return nullptr;
  if (state_.at == State::At::End) return spec_.end_ids.empty() ? nullptr : &spec_.end_ids;
  const bool text = state_.at == State::At::Text;
  // Free reasoning: nothing to hold until a tag has begun (or a mention may begin).
  if (text && !spec_.mentions && !in_tag()) return nullptr;  // banned() holds the few exceptions
  if (allowed_valid_) return &allowed_;
  allowed_.clear();
  const int64_t V = texts_->size();
  auto fits = [&](int64_t v) {
    const std::string& t = texts_->text[static_cast<size_t>(v)];
    if (texts_->special[static_cast<size_t>(v)] || t.empty())  // no text: only in the reasoning, never its end
      return text && !std::binary_search(spec_.end_ids.begin(), spec_.end_ids.end(), v);
    State s = state_;
    return feed(s, t);
  };
  if (text && !in_tag()) {
    // In the reasoning only '[' and '<' (where every tag begins) can change anything: the plain tokens are
    // all fine.
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
    if (text) allowed_.insert(allowed_.end(), reasoning_no_text_.begin(), reasoning_no_text_.end());
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
