// A SAX handler for tokenizer.json: builds a DOM of everything except model.vocab / model.merges, which it
// streams into flat lists (see tokenizer_json_sax.h).
#include "text/tokenizer_json_sax.h"

#include "util/error.h"

namespace rf::text {

namespace {

using nlohmann::json;

class TokenizerSax : public nlohmann::json_sax<json> {
 public:
  TokenizerSax(TokenizerJsonParts& parts, const std::string& where) : parts_(parts), where_(where) {}

  bool null() override { return value(json(nullptr)); }
  bool boolean(bool v) override { return value(json(v)); }
  bool number_integer(number_integer_t v) override {
    if (mode_ == Mode::Vocab) return vocab_id(static_cast<long long>(v));
    return value(json(v));
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (mode_ == Mode::Vocab) return vocab_id(v > static_cast<number_unsigned_t>(INT64_MAX) ? INT64_MAX : static_cast<long long>(v));
    return value(json(v));
  }
  bool number_float(number_float_t v, const string_t&) override { return value(json(v)); }
  bool binary(binary_t&) override { return value(json(nullptr)); }

  bool string(string_t& s) override {
    if (mode_ == Mode::Merges) {
      const size_t index = merge_index_++;
      if (s.rfind("#version", 0) == 0) return true;
      const size_t space = s.find(' ');
      if (space == std::string::npos || space == 0 || space + 1 == s.size() || s.find(' ', space + 1) != std::string::npos)
        fail("model.merges[" + std::to_string(index) + "]: '" + s + "' is not two tokens separated by one space");
      parts_.merges.emplace_back(s.substr(0, space), s.substr(space + 1));
      return true;
    }
    if (mode_ == Mode::MergePair) {
      if (pair_.size() >= 2) bad_merge();
      pair_.push_back(std::move(s));
      return true;
    }
    return value(json(std::move(s)));
  }

  bool key(string_t& k) override {
    if (mode_ == Mode::Vocab)
      token_ = std::move(k);
    else
      key_ = std::move(k);
    return true;
  }

  bool start_object(std::size_t) override {
    if (mode_ == Mode::Vocab) fail("model.vocab: the id of '" + token_ + "' is not an integer");
    if (mode_ == Mode::Merges || mode_ == Mode::MergePair) bad_merge();
    if (at_model_field("vocab")) {
      insert(json::object());
      parts_.vocab_listed = true;
      mode_ = Mode::Vocab;
      return true;
    }
    open(json::object());
    return true;
  }
  bool end_object() override {
    if (mode_ == Mode::Vocab) {
      mode_ = Mode::Normal;
      return true;
    }
    close();
    return true;
  }
  bool start_array(std::size_t) override {
    if (mode_ == Mode::Vocab) fail("model.vocab: the id of '" + token_ + "' is not an integer");
    if (mode_ == Mode::MergePair) bad_merge();
    if (mode_ == Mode::Merges) {
      mode_ = Mode::MergePair;
      pair_.clear();
      return true;
    }
    if (at_model_field("merges")) {
      insert(json::array());
      parts_.merges_listed = true;
      mode_ = Mode::Merges;
      return true;
    }
    open(json::array());
    return true;
  }
  bool end_array() override {
    if (mode_ == Mode::MergePair) {
      if (pair_.size() != 2) bad_merge();
      parts_.merges.emplace_back(std::move(pair_[0]), std::move(pair_[1]));
      ++merge_index_;
      mode_ = Mode::Merges;
      return true;
    }
    if (mode_ == Mode::Merges) {
      mode_ = Mode::Normal;
      return true;
    }
    close();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
    throw Error(where_ + ": invalid JSON (" + ex.what() + ")");
  }

 private:
  enum class Mode { Normal, Vocab, Merges, MergePair };

  [[noreturn]] void fail(const std::string& message) const { throw Error(where_ + ": " + message); }
  [[noreturn]] void bad_merge() const {
    fail("model.merges[" + std::to_string(merge_index_) + "]: expected \"a b\" or [\"a\", \"b\"]");
  }

  bool vocab_id(long long v) {
    if (v < 0 || v > INT32_MAX) fail("model.vocab: the id of '" + token_ + "' is out of range: " + std::to_string(v));
    parts_.vocab.emplace_back(std::move(token_), static_cast<int32_t>(v));
    return true;
  }

  bool value(json v) {
    if (mode_ == Mode::Vocab) fail("model.vocab: the id of '" + token_ + "' is not an integer");
    if (mode_ != Mode::Normal) bad_merge();
    insert(std::move(v));
    return true;
  }

  // The container about to open is the "model" object's `field` (stack: root, model).
  bool at_model_field(const char* field) const {
    return stack_.size() == 2 && path_[1] == "model" && stack_[1]->is_object() && key_ == field;
  }

  json* insert(json v) {
    if (stack_.empty()) {
      parts_.root = std::move(v);
      return &parts_.root;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    json& slot = parent[key_];
    slot = std::move(v);
    return &slot;
  }
  void open(json container) {
    const std::string name = !stack_.empty() && stack_.back()->is_object() ? key_ : std::string();
    stack_.push_back(insert(std::move(container)));
    path_.push_back(name);
  }
  void close() {
    stack_.pop_back();
    path_.pop_back();
  }

  TokenizerJsonParts& parts_;
  const std::string& where_;
  Mode mode_ = Mode::Normal;
  std::vector<json*> stack_;  // open containers; a child is always finished before its parent grows
  std::vector<std::string> path_;
  std::string key_, token_;
  std::vector<std::string> pair_;
  size_t merge_index_ = 0;
};

}  // namespace

TokenizerJsonParts read_tokenizer_json(const std::string& text, const std::string& where) {
  TokenizerJsonParts parts;
  TokenizerSax sax(parts, where);
  json::sax_parse(text, &sax);
  return parts;
}

}  // namespace rf::text
