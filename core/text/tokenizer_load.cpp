// Loading a Tokenizer: tokenizer.json (model, added tokens, pipeline components) and tokenizer_config.json
// (special-token names, clean-up, chat template, added_tokens_decoder). Every problem is an rf::Error that
// names the file and the field; nothing is allocated from an unchecked size.
#include "text/tokenizer.h"

#include "text/tokenizer_impl.h"
#include "text/tokenizer_json.h"
#include "text/tokenizer_json_sax.h"
#include "text/unicode.h"
#include "util/error.h"
#include "util/file_io.h"

#include <algorithm>
#include <filesystem>
#include <map>

namespace rf::text {

namespace {

using json_read::json;
using json_read::Where;

// Added-token ids may go past the model's vocabulary, but not so far that id-indexed tables get huge.
constexpr int64_t kMaxAddedBeyondModel = int64_t{1} << 20;

json parse_json(const std::string& text, const std::string& where) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(where + ": invalid JSON (" + e.what() + ")");
  }
}

BpeModel read_model(const json& root, TokenizerJsonParts& parts, const Where& where, bool byte_level) {
  const json* model = json_read::member(root, "model");
  if (!model) where.fail("missing \"model\"");
  if (!model->is_object()) where.at("model").fail("expected an object");
  const Where mw = where.at("model");
  std::string type = json_read::get_string(*model, "type", mw);
  if (type.empty() && json_read::member(*model, "merges")) type = "BPE";  // old files omit it
  if (type != "BPE")
    mw.fail("unsupported model type '" + (type.empty() ? std::string("(none)") : type) + "' (RecForge reads BPE tokenizers only)");
  // The streaming reader has already taken model.vocab / model.merges apart when they had the right shape.
  if (!parts.vocab_listed) mw.at("vocab").fail("expected an object of token -> id");
  if (!parts.merges_listed && json_read::member(*model, "merges")) mw.at("merges").fail("expected an array");

  BpeOptions options;
  options.byte_level = byte_level;
  options.ignore_merges = json_read::get_bool(*model, "ignore_merges", mw, false);
  options.byte_fallback = json_read::get_bool(*model, "byte_fallback", mw, false);
  options.fuse_unk = json_read::get_bool(*model, "fuse_unk", mw, false);
  options.unk_token = json_read::get_string(*model, "unk_token", mw);
  options.continuing_subword_prefix = json_read::get_string(*model, "continuing_subword_prefix", mw);
  options.end_of_word_suffix = json_read::get_string(*model, "end_of_word_suffix", mw);
  return BpeModel::build(std::move(parts.vocab), parts.merges, std::move(options), where.file);
}

AddedToken read_added_token(const json& j, const Where& where) {
  if (!j.is_object()) where.fail("expected an object");
  AddedToken t;
  const long long id = json_read::get_int(j, "id", where, -1);
  if (id < 0 || id > INT32_MAX) where.at("id").fail("missing or out-of-range id");
  t.id = static_cast<int32_t>(id);
  t.content = json_read::get_string(j, "content", where);
  if (t.content.empty()) where.at("content").fail("empty added token");
  t.single_word = json_read::get_bool(j, "single_word", where, false);
  t.lstrip = json_read::get_bool(j, "lstrip", where, false);
  t.rstrip = json_read::get_bool(j, "rstrip", where, false);
  t.normalized = json_read::get_bool(j, "normalized", where, false);
  t.special = json_read::get_bool(j, "special", where, false);
  return t;
}

// bos_token and friends: a string, {"content": ...} (an AddedToken) or null.
std::string token_name(const json& config, const char* key, const Where& where) {
  const json* v = json_read::member(config, key);
  if (!v) return {};
  if (v->is_string()) return v->get<std::string>();
  if (v->is_object()) return json_read::get_string(*v, "content", where.at(key));
  where.at(key).fail("expected a token string or {\"content\": ...}");
}

void finish_added_tokens(TokenizerImpl& im, const Where& where) {
  std::map<int32_t, AddedToken> by_id;
  for (AddedToken& t : im.added) by_id[t.id] = std::move(t);  // a later entry for the same id wins
  im.added.clear();
  for (auto& [id, t] : by_id) im.added.push_back(std::move(t));
  const int64_t model_limit = im.model.id_limit();
  int64_t limit = model_limit;
  for (const AddedToken& t : im.added) {
    if (t.id >= model_limit + kMaxAddedBeyondModel) where.at("added_tokens").fail("id " + std::to_string(t.id) + " is implausibly large");
    limit = std::max<int64_t>(limit, int64_t{t.id} + 1);
  }
  im.vocab_size = limit;
  im.added_index.assign(static_cast<size_t>(limit), -1);
  im.added_ids.reserve(im.added.size());
  std::vector<AddedToken> raw, normalized;
  std::vector<std::string> raw_patterns, normalized_patterns;
  for (size_t i = 0; i < im.added.size(); ++i) {
    const AddedToken& t = im.added[i];
    im.added_index[static_cast<size_t>(t.id)] = static_cast<int32_t>(i);
    im.added_ids.insert(t.content, t.id);
    if (t.normalized) {
      EncodeArena arena;
      normalized_patterns.emplace_back(im.normalize(t.content, arena));
      normalized.push_back(t);
    } else {
      raw_patterns.push_back(t.content);
      raw.push_back(t);
    }
  }
  im.raw_matcher.build(std::move(raw), std::move(raw_patterns));
  im.normalized_matcher.build(std::move(normalized), std::move(normalized_patterns));
}

void read_config(TokenizerImpl& im, const json& config, const std::string& config_path) {
  const Where where{config_path, ""};
  if (!config.is_object()) where.fail("expected a JSON object");
  if (const json* decoder = json_read::member(config, "added_tokens_decoder")) {
    if (!decoder->is_object()) where.at("added_tokens_decoder").fail("expected an object");
    std::vector<bool> known(static_cast<size_t>(std::max<int64_t>(im.vocab_size, 0)), false);
    for (const AddedToken& t : im.added) known[static_cast<size_t>(t.id)] = true;
    for (const auto& [key, value] : decoder->items()) {
      long long id = -1;
      try {
        id = std::stoll(key);
      } catch (const std::exception&) {
        where.at("added_tokens_decoder").fail("key '" + key + "' is not a token id");
      }
      json entry = value;
      if (entry.is_object()) entry["id"] = id;
      AddedToken t = read_added_token(entry, where.at("added_tokens_decoder").at(key));
      if (static_cast<size_t>(t.id) < known.size() && known[static_cast<size_t>(t.id)]) continue;
      im.added.push_back(std::move(t));
    }
  }
  im.clean_up_spaces = json_read::get_bool(config, "clean_up_tokenization_spaces", where, false);
  if (const json* tmpl = json_read::member(config, "chat_template")) {
    im.has_chat_template = true;
    if (tmpl->is_string()) {
      im.chat_template = tmpl->get<std::string>();
    } else if (tmpl->is_array()) {  // [{"name": "default", "template": "..."}, ...]
      for (const json& named : *tmpl)
        if (im.chat_template.empty() || json_read::get_string(named, "name", where.at("chat_template")) == "default")
          im.chat_template = json_read::get_string(named, "template", where.at("chat_template"));
    }
  }
}

}  // namespace

std::optional<int32_t> TokenizerImpl::find_token(std::string_view token) const {
  const int32_t added_id = added_ids.find(token);
  if (added_id >= 0) return added_id;
  return model.token_to_id(token);
}

std::shared_ptr<const TokenizerImpl> build_tokenizer(const std::string& json_text, const std::string& config_text,
                                                     const std::string& json_path, const std::string& config_path) {
  auto im = std::make_shared<TokenizerImpl>();
  im->source = json_path;
  try {
    TokenizerJsonParts parts = read_tokenizer_json(json_text, json_path);
    const json& root = parts.root;
    const Where where{json_path, ""};
    if (!root.is_object()) where.fail("expected a JSON object");
    if (const json* n = json_read::member(root, "normalizer")) json_read::parse_normalizer(*n, where.at("normalizer"), im->normalizers);
    if (const json* p = json_read::member(root, "pre_tokenizer"))
      json_read::parse_pre_tokenizer(*p, where.at("pre_tokenizer"), im->pretokenizers);
    bool byte_level = false;
    for (size_t i = 0; i < im->pretokenizers.size(); ++i) {
      if (im->pretokenizers[i].kind != PreTokenizerStep::Kind::ByteLevel) continue;
      if (i + 1 != im->pretokenizers.size())
        where.at("pre_tokenizer").fail("a ByteLevel pre-tokenizer must be the last step of the sequence");
      byte_level = true;
    }
    im->model = read_model(root, parts, where, byte_level);
    if (const json* d = json_read::member(root, "decoder")) {
      json_read::parse_decoder(*d, where.at("decoder"), im->decoders);
      im->has_decoder = true;
    }
    im->decoder_is_byte_level_only = im->decoders.size() == 1 && im->decoders[0].kind == DecoderStep::Kind::ByteLevel;
    if (const json* p = json_read::member(root, "post_processor"))
      json_read::parse_post_processor(*p, where.at("post_processor"), im->prefix_ids, im->suffix_ids);
    if (const json* added = json_read::member(root, "added_tokens")) {
      if (!added->is_array()) where.at("added_tokens").fail("expected an array");
      for (size_t i = 0; i < added->size(); ++i) {
        im->added.push_back(read_added_token((*added)[i], where.at("added_tokens").index(i)));
        if (im->added.back().id >= im->model.id_limit() + kMaxAddedBeyondModel)
          where.at("added_tokens").index(i).fail("id " + std::to_string(im->added.back().id) + " is implausibly large");
      }
    }
    im->vocab_size = im->model.id_limit();
    for (const AddedToken& t : im->added) im->vocab_size = std::max<int64_t>(im->vocab_size, int64_t{t.id} + 1);
    json config;
    if (!config_text.empty()) {
      config = parse_json(config_text, config_path);
      read_config(*im, config, config_path);
    }
    finish_added_tokens(*im, where);

    const Where cw{config_path, ""};
    auto id_of = [&](const char* key) -> std::optional<int32_t> {
      const std::string name = config.is_object() ? token_name(config, key, cw) : std::string();
      if (name.empty()) return std::nullopt;
      return im->find_token(name);
    };
    im->bos = id_of("bos_token");
    im->pad = id_of("pad_token");
    if (auto eos = id_of("eos_token")) im->eos.push_back(*eos);
    for (const char* name : {"<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>", "<|eom_id|>", "</s>"}) {
      const int32_t id = im->added_ids.find(name);
      if (id >= 0 && im->added_token(id)->special && std::find(im->eos.begin(), im->eos.end(), id) == im->eos.end())
        im->eos.push_back(id);
    }
    // Slow-tokenizer configs (LlamaTokenizer) say add_bos_token / add_eos_token without a post-processor.
    if (config.is_object() && im->prefix_ids.empty() && im->suffix_ids.empty()) {
      if (json_read::get_bool(config, "add_bos_token", cw, false) && im->bos) im->prefix_ids.push_back(*im->bos);
      if (json_read::get_bool(config, "add_eos_token", cw, false) && !im->eos.empty()) im->suffix_ids.push_back(im->eos.front());
    }
    for (int32_t id : im->prefix_ids)
      if (id < 0 || id >= im->vocab_size) where.at("post_processor").fail("special token id " + std::to_string(id) + " is out of range");
    for (int32_t id : im->suffix_ids)
      if (id < 0 || id >= im->vocab_size) where.at("post_processor").fail("special token id " + std::to_string(id) + " is out of range");
  } catch (const nlohmann::json::exception& e) {  // a type surprise the readers did not anticipate
    throw Error(json_path + ": unexpected content (" + e.what() + ")");
  }
  return im;
}

}  // namespace rf::text

namespace rf {

Tokenizer::Tokenizer(std::shared_ptr<const text::TokenizerImpl> impl) : impl_(std::move(impl)) {}

Tokenizer Tokenizer::load(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path json_path = path, config_path;
  if (fs::is_directory(json_path, ec)) {
    json_path /= "tokenizer.json";
    if (!fs::exists(json_path, ec)) throw Error(path + ": no tokenizer.json in this folder");
    config_path = fs::path(path) / "tokenizer_config.json";
  } else {
    if (!fs::exists(json_path, ec)) throw Error(path + ": no such file or folder");
    config_path = json_path.parent_path() / "tokenizer_config.json";
  }
  const std::string json_text = file_read_all(json_path.string());
  std::string config_text;
  if (fs::exists(config_path, ec)) config_text = file_read_all(config_path.string());
  return Tokenizer(text::build_tokenizer(json_text, config_text, json_path.string(), config_path.string()));
}

Tokenizer Tokenizer::from_json_text(const std::string& json, const std::string& source_name) {
  return Tokenizer(text::build_tokenizer(json, "", source_name, source_name + " (config)"));
}

Tokenizer Tokenizer::from_json_text(const std::string& json, const std::string& config_json, const std::string& source_name) {
  return Tokenizer(text::build_tokenizer(json, config_json, source_name, source_name + " (config)"));
}

int64_t Tokenizer::vocab_size() const { return impl_->vocab_size; }

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const { return impl_->find_token(token); }

std::string Tokenizer::id_to_token(int32_t id) const {
  if (const text::AddedToken* t = impl_->added_token(id)) return t->content;
  if (impl_->model.has_id(id)) return std::string(impl_->model.id_to_token(id));
  throw Error(impl_->source + ": no token has id " + std::to_string(id) + " (vocabulary size " +
              std::to_string(impl_->vocab_size) + ")");
}

std::optional<int32_t> Tokenizer::bos_id() const { return impl_->bos; }
std::vector<int32_t> Tokenizer::eos_ids() const { return impl_->eos; }
std::optional<int32_t> Tokenizer::pad_id() const { return impl_->pad; }

bool Tokenizer::is_special(int32_t id) const {
  const text::AddedToken* t = impl_->added_token(id);
  return t && t->special;
}

bool Tokenizer::has_chat_template() const { return impl_->has_chat_template; }
const std::string& Tokenizer::chat_template() const { return impl_->chat_template; }
bool Tokenizer::byte_level() const { return impl_->model.byte_level(); }
bool Tokenizer::clean_up_tokenization_spaces() const { return impl_->clean_up_spaces; }
const std::string& Tokenizer::source() const { return impl_->source; }

}  // namespace rf
