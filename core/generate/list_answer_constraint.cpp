// The List answer grammar (see list_answer_constraint.h).
#include "generate/list_answer_constraint.h"

#include "util/error.h"

#include <algorithm>

namespace rf {

namespace {

constexpr const char* kOpenTag = "<answer>";
constexpr const char* kClose = "]</answer>";
constexpr int32_t kCloseLen = 10;

}  // namespace

ListAnswerConstraint::ListAnswerConstraint(std::shared_ptr<const TokenTexts> texts, ListAnswerSpec spec)
    : texts_(std::move(texts)), spec_(std::move(spec)) {
  if (!texts_) throw Error("list answer constraint: no token texts");
  if (spec_.pool.empty()) throw Error("list answer constraint: the candidate pool is empty");
  if (spec_.k < 1) throw Error("list answer constraint: k must be >= 1, got " + std::to_string(spec_.k));
  for (const std::string& id : spec_.pool)
    if (id.empty() || id.find_first_of(", ]") != std::string::npos)
      throw Error("list answer constraint: the candidate id \"" + id + "\" is empty or holds ',', ' ' or ']'");
  spec_.k = std::min<int32_t>(spec_.k, static_cast<int32_t>(spec_.pool.size()));
  std::sort(spec_.end_ids.begin(), spec_.end_ids.end());
  spec_.end_ids.erase(std::unique(spec_.end_ids.begin(), spec_.end_ids.end()), spec_.end_ids.end());
  tail_ = spec_.prefix;
  const size_t at = tail_.find(kOpenTag);
  if (at != std::string::npos) enter_answer(tail_.substr(at + std::char_traits<char>::length(kOpenTag)));
}

std::string ListAnswerConstraint::phase() const {
  switch (phase_) {
    case Phase::Free: return "free";
    case Phase::Answer: return "answer";
    case Phase::End: return "end";
    case Phase::Off: return "off";
  }
  return "off";
}

bool ListAnswerConstraint::feed(State& s, const std::string& text) const {
  for (char c : text) {
    switch (s.at) {
      case State::At::Open:
        if (c != '[') return false;
        s.at = State::At::Id;
        s.id.clear();
        break;
      case State::At::Id: {
        // Either the id goes on (some unused pool id starts with it) or it is complete and ends here.
        bool grows = false;
        int32_t complete = -1;
        for (size_t p = 0; p < spec_.pool.size(); ++p) {
          if (s.used[p]) continue;
          const std::string& id = spec_.pool[p];
          if (id.size() > s.id.size() && id[s.id.size()] == c && id.compare(0, s.id.size(), s.id) == 0) grows = true;
          if (id == s.id) complete = static_cast<int32_t>(p);
        }
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
        break;
      }
      case State::At::Space:
        if (c != ' ') return false;
        s.at = State::At::Id;
        s.id.clear();
        break;
      case State::At::Close:
        if (c != kClose[s.close]) return false;
        if (++s.close == kCloseLen) s.at = State::At::End;
        break;
      case State::At::End:
        return false;
    }
  }
  return true;
}

void ListAnswerConstraint::enter_answer(const std::string& rest) {
  state_ = State();
  state_.used.assign(spec_.pool.size(), 0);
  phase_ = feed(state_, rest) ? (state_.at == State::At::End ? Phase::End : Phase::Answer) : Phase::Off;
  tail_.clear();
}

void ListAnswerConstraint::advance(int64_t token) {
  allowed_valid_ = false;
  const bool known = token >= 0 && token < texts_->size();
  const std::string& text = known ? texts_->text[static_cast<size_t>(token)] : std::string();
  switch (phase_) {
    case Phase::Free: {
      tail_ += text;
      const size_t at = tail_.find(kOpenTag);
      if (at != std::string::npos) {
        enter_answer(tail_.substr(at + std::char_traits<char>::length(kOpenTag)));
      } else if (tail_.size() > 16) {
        tail_.erase(0, tail_.size() - 16);  // keeps enough for a tag split over tokens
      }
      break;
    }
    case Phase::Answer:
      // A token outside the grammar (the caller ignored allowed()) lifts the constraint.
      if (!known || texts_->special[static_cast<size_t>(token)] || !feed(state_, text)) phase_ = Phase::Off;
      else if (state_.at == State::At::End) phase_ = Phase::End;
      break;
    case Phase::End:
    case Phase::Off:
      break;
  }
}

const std::vector<int64_t>* ListAnswerConstraint::allowed() {
  if (phase_ == Phase::Free || phase_ == Phase::Off) return nullptr;
  if (phase_ == Phase::End) return spec_.end_ids.empty() ? nullptr : &spec_.end_ids;
  if (!allowed_valid_) {
    // Which first characters the grammar takes now: most tokens fail on their first character, and
    // this keeps the scan of a 150k vocabulary to a test per token.
    bool first_ok[256] = {};
    for (int c = 1; c < 256; ++c) {
      State s = state_;
      first_ok[c] = feed(s, std::string(1, static_cast<char>(c)));
    }
    allowed_.clear();
    const int64_t V = texts_->size();
    for (int64_t v = 0; v < V; ++v) {
      const std::string& t = texts_->text[static_cast<size_t>(v)];
      if (t.empty() || texts_->special[static_cast<size_t>(v)] || !first_ok[static_cast<unsigned char>(t[0])]) continue;
      State s = state_;
      if (feed(s, t)) allowed_.push_back(v);
    }
    allowed_valid_ = true;
    if (allowed_.empty()) {  // no token spells the next character: give up rather than block the row
      phase_ = Phase::Off;
      return nullptr;
    }
  }
  return &allowed_;
}

}  // namespace rf
