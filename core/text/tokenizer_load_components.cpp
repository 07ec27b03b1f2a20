// Readers for the pipeline components of tokenizer.json: normalizer, pre_tokenizer, decoder and
// post_processor. Supported types are listed in each function; any other type is an rf::Error that names
// it, the field and the file.
#include "text/tokenizer_json.h"

#include "util/error.h"

namespace rf::text::json_read {

void Where::fail(const std::string& message) const {
  throw Error(file + ": " + (field.empty() ? "" : field + ": ") + message);
}

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string get_string(const json& obj, const char* key, const Where& where, const std::string& fallback) {
  const json* v = member(obj, key);
  if (!v) return fallback;
  if (!v->is_string()) where.at(key).fail("expected a string");
  return v->get<std::string>();
}

bool get_bool(const json& obj, const char* key, const Where& where, bool fallback) {
  const json* v = member(obj, key);
  if (!v) return fallback;
  if (!v->is_boolean()) where.at(key).fail("expected true or false");
  return v->get<bool>();
}

long long get_int(const json& obj, const char* key, const Where& where, long long fallback) {
  const json* v = member(obj, key);
  if (!v) return fallback;
  if (!v->is_number_integer()) where.at(key).fail("expected an integer");
  return v->get<long long>();
}

const json& get_array(const json& obj, const char* key, const Where& where) {
  const json* v = member(obj, key);
  if (!v || !v->is_array()) where.at(key).fail("expected an array");
  return *v;
}

std::string get_type(const json& obj, const Where& where) {
  if (!obj.is_object()) where.fail("expected an object");
  const std::string type = get_string(obj, "type", where);
  if (type.empty()) where.fail("missing \"type\"");
  return type;
}

namespace {

// {"String": "x"} -> "x"; a {"Regex": ...} pattern is refused with its text.
std::string literal_pattern(const json& obj, const Where& where) {
  const json* p = member(obj, "pattern");
  if (!p || !p->is_object()) where.at("pattern").fail("expected {\"String\": ...} or {\"Regex\": ...}");
  if (const json* s = member(*p, "String"); s && s->is_string()) return s->get<std::string>();
  if (const json* r = member(*p, "Regex"); r && r->is_string())
    where.at("pattern").fail("Regex pattern '" + r->get<std::string>() + "' is not supported here (only String patterns)");
  where.at("pattern").fail("expected {\"String\": ...}");
}

SplitBehavior parse_behavior(const std::string& name, const Where& where) {
  if (name == "Removed") return SplitBehavior::Removed;
  if (name == "Isolated") return SplitBehavior::Isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (name == "Contiguous") return SplitBehavior::Contiguous;
  where.fail("unknown split behavior '" + name + "'");
}

PreTokenizerStep::Prepend parse_prepend_scheme(const json& j, const Where& where) {
  if (const json* scheme = member(j, "prepend_scheme")) {
    const std::string s = scheme->is_string() ? scheme->get<std::string>() : "";
    if (s == "always") return PreTokenizerStep::Prepend::Always;
    if (s == "first") return PreTokenizerStep::Prepend::First;
    if (s == "never") return PreTokenizerStep::Prepend::Never;
    where.at("prepend_scheme").fail("expected \"always\", \"first\" or \"never\"");
  }
  return get_bool(j, "add_prefix_space", where, true) ? PreTokenizerStep::Prepend::Always : PreTokenizerStep::Prepend::Never;
}

}  // namespace

void parse_normalizer(const json& j, const Where& where, std::vector<NormalizerStep>& out) {
  if (j.is_null()) return;
  const std::string type = get_type(j, where);
  if (type == "Sequence") {
    const json& list = get_array(j, "normalizers", where);
    for (size_t i = 0; i < list.size(); ++i) parse_normalizer(list[i], where.at("normalizers").index(i), out);
  } else if (type == "NFC") {
    out.push_back({NormalizerStep::Kind::Nfc, {}, {}});
  } else if (type == "NFD") {
    out.push_back({NormalizerStep::Kind::Nfd, {}, {}});
  } else if (type == "Prepend") {
    out.push_back({NormalizerStep::Kind::Prepend, {}, get_string(j, "prepend", where)});
  } else if (type == "Replace") {
    NormalizerStep step{NormalizerStep::Kind::Replace, literal_pattern(j, where), get_string(j, "content", where)};
    if (step.from.empty()) where.at("pattern").fail("empty pattern");
    out.push_back(std::move(step));
  } else if (type == "Strip") {
    NormalizerStep step{NormalizerStep::Kind::Strip, {}, {}};
    step.left = get_bool(j, "strip_left", where, true);
    step.right = get_bool(j, "strip_right", where, true);
    out.push_back(std::move(step));
  } else {
    where.fail("unsupported normalizer type '" + type + "' (supported: NFC, NFD, Prepend, Replace, Strip, Sequence)");
  }
}

void parse_pre_tokenizer(const json& j, const Where& where, std::vector<PreTokenizerStep>& out) {
  if (j.is_null()) return;
  const std::string type = get_type(j, where);
  PreTokenizerStep step;
  if (type == "Sequence") {
    const json& list = get_array(j, "pretokenizers", where);
    for (size_t i = 0; i < list.size(); ++i) parse_pre_tokenizer(list[i], where.at("pretokenizers").index(i), out);
    return;
  }
  if (type == "Split") {
    const json* p = member(j, "pattern");
    if (!p || !p->is_object()) where.at("pattern").fail("expected {\"String\": ...} or {\"Regex\": ...}");
    if (const json* r = member(*p, "Regex"); r && r->is_string()) {
      const std::string regex = r->get<std::string>();
      const auto known = split_regex_from_pattern(regex);
      if (!known)
        where.at("pattern").fail("unsupported Split regex '" + regex +
                                 "' (supported: the GPT-2, Qwen2/2.5/3 and Llama 3 pre-tokenizer patterns)");
      step.kind = PreTokenizerStep::Kind::SplitRegex;
      step.regex = *known;
    } else {
      step.kind = PreTokenizerStep::Kind::SplitString;
      step.literal = literal_pattern(j, where);
    }
    step.behavior = parse_behavior(get_string(j, "behavior", where, "Isolated"), where.at("behavior"));
    step.invert = get_bool(j, "invert", where, false);
  } else if (type == "ByteLevel") {
    step.kind = PreTokenizerStep::Kind::ByteLevel;
    step.add_prefix_space = get_bool(j, "add_prefix_space", where, true);
    step.use_regex = get_bool(j, "use_regex", where, true);
  } else if (type == "Metaspace") {
    step.kind = PreTokenizerStep::Kind::Metaspace;
    step.literal = get_string(j, "replacement", where, "\xE2\x96\x81");
    if (step.literal.empty()) where.at("replacement").fail("empty replacement");
    step.prepend = parse_prepend_scheme(j, where);
    step.split = get_bool(j, "split", where, true);
  } else if (type == "Digits") {
    step.kind = PreTokenizerStep::Kind::Digits;
    step.individual_digits = get_bool(j, "individual_digits", where, false);
  } else {
    where.fail("unsupported pre-tokenizer type '" + type + "' (supported: Split, ByteLevel, Metaspace, Digits, Sequence)");
  }
  out.push_back(std::move(step));
}

void parse_decoder(const json& j, const Where& where, std::vector<DecoderStep>& out) {
  if (j.is_null()) return;
  const std::string type = get_type(j, where);
  DecoderStep step{DecoderStep::Kind::ByteLevel, {}, {}};
  if (type == "Sequence") {
    const json& list = get_array(j, "decoders", where);
    for (size_t i = 0; i < list.size(); ++i) parse_decoder(list[i], where.at("decoders").index(i), out);
    return;
  }
  if (type == "ByteLevel") {
    step.kind = DecoderStep::Kind::ByteLevel;
  } else if (type == "Replace") {
    step.kind = DecoderStep::Kind::Replace;
    step.from = literal_pattern(j, where);
    step.to = get_string(j, "content", where);
    if (step.from.empty()) where.at("pattern").fail("empty pattern");
  } else if (type == "ByteFallback") {
    step.kind = DecoderStep::Kind::ByteFallback;
  } else if (type == "Fuse") {
    step.kind = DecoderStep::Kind::Fuse;
  } else if (type == "Strip") {
    step.kind = DecoderStep::Kind::Strip;
    step.from = get_string(j, "content", where, " ");
    const long long start = get_int(j, "start", where, 0), stop = get_int(j, "stop", where, 0);
    if (start < 0 || stop < 0 || step.from.empty()) where.fail("Strip needs a content character and start/stop >= 0");
    step.start = static_cast<size_t>(start);
    step.stop = static_cast<size_t>(stop);
  } else if (type == "Metaspace") {
    step.kind = DecoderStep::Kind::Metaspace;
    step.from = get_string(j, "replacement", where, "\xE2\x96\x81");
    if (step.from.empty()) where.at("replacement").fail("empty replacement");
    step.prepend = parse_prepend_scheme(j, where) != PreTokenizerStep::Prepend::Never;
  } else {
    where.fail("unsupported decoder type '" + type + "' (supported: ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence)");
  }
  out.push_back(std::move(step));
}

void parse_post_processor(const json& j, const Where& where, std::vector<int32_t>& prefix, std::vector<int32_t>& suffix) {
  if (j.is_null()) return;
  const std::string type = get_type(j, where);
  if (type == "ByteLevel") return;  // offsets only
  if (type == "Sequence") {
    const json& list = get_array(j, "processors", where);
    for (size_t i = 0; i < list.size(); ++i) {
      std::vector<int32_t> p, s;
      parse_post_processor(list[i], where.at("processors").index(i), p, s);
      prefix.insert(prefix.begin(), p.begin(), p.end());
      suffix.insert(suffix.end(), s.begin(), s.end());
    }
    return;
  }
  auto token_pair_id = [&](const char* key) -> int32_t {  // ["[CLS]", 101]
    const json* v = member(j, key);
    if (!v || !v->is_array() || v->size() != 2 || !(*v)[1].is_number_integer()) where.at(key).fail("expected [token, id]");
    return (*v)[1].get<int32_t>();
  };
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    prefix.push_back(token_pair_id("cls"));
    suffix.insert(suffix.begin(), token_pair_id("sep"));
    return;
  }
  if (type != "TemplateProcessing")
    where.fail("unsupported post-processor type '" + type + "' (supported: TemplateProcessing, ByteLevel, BertProcessing, RobertaProcessing, Sequence)");
  const json& single = get_array(j, "single", where);
  const json* specials = member(j, "special_tokens");
  std::vector<int32_t> before, after;
  bool seen_sequence = false;
  for (size_t i = 0; i < single.size(); ++i) {
    const Where item_where = where.at("single").index(i);
    const json& item = single[i];
    if (member(item, "Sequence")) {
      seen_sequence = true;
      continue;
    }
    const json* special = member(item, "SpecialToken");
    if (!special) item_where.fail("expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
    const std::string name = get_string(*special, "id", item_where.at("SpecialToken"));
    const json* entry = specials ? member(*specials, name.c_str()) : nullptr;
    if (!entry) where.at("special_tokens").fail("no entry for '" + name + "'");
    const json& ids = get_array(*entry, "ids", where.at("special_tokens").at(name));
    for (const json& id : ids) {
      if (!id.is_number_integer()) where.at("special_tokens").at(name).fail("ids must be integers");
      (seen_sequence ? after : before).push_back(id.get<int32_t>());
    }
  }
  prefix.insert(prefix.begin(), before.begin(), before.end());
  suffix.insert(suffix.end(), after.begin(), after.end());
}

}  // namespace rf::text::json_read
