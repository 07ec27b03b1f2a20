// Decoding: ids -> token strings -> the decoder steps of tokenizer.json -> text, then Hugging Face's
// clean_up_tokenization when the config asks for it. Byte-level tokenizers take a fast path that joins
// the raw bytes of the tokens directly. Added tokens are written as their text and break byte runs
// (as the Python and JavaScript Hugging Face tokenizers do).
#include "text/tokenizer.h"
#include "text/tokenizer_impl.h"
#include "text/unicode.h"
#include "util/error.h"

namespace rf::text {

namespace {

void replace_in_place(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty() || s.find(from) == std::string::npos) return;
  std::string out;
  out.reserve(s.size());
  size_t pos = 0;
  for (size_t hit = s.find(from); hit != std::string::npos; hit = s.find(from, pos)) {
    out.append(s, pos, hit - pos);
    out.append(to);
    pos = hit + from.size();
  }
  out.append(s, pos, std::string::npos);
  s.swap(out);
}

// One decoded token: its text and whether it is an added token (kept literally by ByteLevel).
struct Piece {
  std::string text;
  bool added;
};

void byte_level_step(std::vector<Piece>& pieces) {
  std::vector<Piece> out;
  std::string bytes;
  auto flush = [&] {
    if (bytes.empty()) return;
    Piece p{{}, false};
    utf8_append_lossy(p.text, bytes);
    out.push_back(std::move(p));
    bytes.clear();
  };
  std::string token_bytes;
  for (Piece& p : pieces) {
    if (p.added) {
      flush();
      out.push_back(std::move(p));
      continue;
    }
    token_bytes.clear();
    bool mapped = true;
    for (size_t i = 0; i < p.text.size() && mapped;) {
      int len = 0;
      const int b = byte_level_byte(utf8_decode(p.text, i, len));
      if (b < 0) mapped = false;
      token_bytes.push_back(static_cast<char>(b));
      i += static_cast<size_t>(len);
    }
    bytes += mapped ? token_bytes : p.text;  // a token outside the alphabet keeps its own bytes
  }
  flush();
  pieces.swap(out);
}

bool byte_token(const std::string& t, unsigned char& byte) {
  if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return false;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const int hi = hex(t[3]), lo = hex(t[4]);
  if (hi < 0 || lo < 0) return false;
  byte = static_cast<unsigned char>(hi * 16 + lo);
  return true;
}

void byte_fallback_step(std::vector<Piece>& pieces) {
  std::vector<Piece> out;
  std::string bytes;
  auto flush = [&] {
    if (bytes.empty()) return;
    if (utf8_is_valid(bytes)) {
      out.push_back(Piece{bytes, false});
    } else {  // one replacement character per byte, as Hugging Face's ByteFallback decoder does
      for (size_t k = 0; k < bytes.size(); ++k) out.push_back(Piece{"\xEF\xBF\xBD", false});
    }
    bytes.clear();
  };
  for (Piece& p : pieces) {
    unsigned char b = 0;
    if (byte_token(p.text, b)) {
      bytes.push_back(static_cast<char>(b));
      continue;
    }
    flush();
    out.push_back(std::move(p));
  }
  flush();
  pieces.swap(out);
}

void strip_step(std::vector<Piece>& pieces, const std::string& content, size_t start, size_t stop) {
  for (Piece& p : pieces) {
    std::string& t = p.text;
    size_t begin = 0, end = t.size();
    for (size_t k = 0; k < start && t.compare(begin, content.size(), content) == 0 && begin < end; ++k)
      begin += content.size();
    for (size_t k = 0; k < stop && end >= begin + content.size() && t.compare(end - content.size(), content.size(), content) == 0; ++k)
      end -= content.size();
    t = t.substr(begin, end - begin);
  }
}

}  // namespace

std::string clean_up_tokenization(std::string text) {
  static const std::pair<const char*, const char*> kRules[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
  };
  for (const auto& [from, to] : kRules) replace_in_place(text, from, to);
  return text;
}

std::string TokenizerImpl::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  for (int32_t id : ids) {
    if (id < 0 || id >= vocab_size)
      throw Error(source + ": cannot decode token id " + std::to_string(id) + ": the vocabulary has ids 0.." +
                  std::to_string(vocab_size - 1));
  }
  std::string out;
  if (decoder_is_byte_level_only && model.byte_level()) {
    std::string bytes;
    out.reserve(ids.size() * 4);
    bytes.reserve(ids.size() * 4);
    for (int32_t id : ids) {
      if (const AddedToken* t = added_token(id)) {
        if (skip_special_tokens && t->special) continue;
        utf8_append_lossy(out, bytes);
        bytes.clear();
        out += t->content;
      } else {
        bytes.append(model.id_to_bytes(id));  // "" for an id no token has
      }
    }
    utf8_append_lossy(out, bytes);
  } else {
    std::vector<Piece> pieces;
    pieces.reserve(ids.size());
    for (int32_t id : ids) {
      if (const AddedToken* t = added_token(id)) {
        if (!(skip_special_tokens && t->special)) pieces.push_back(Piece{t->content, true});
      } else if (model.has_id(id)) {
        pieces.push_back(Piece{std::string(model.id_to_token(id)), false});
      }
    }
    if (!has_decoder) {  // Hugging Face joins tokens with spaces when there is no decoder
      for (size_t k = 0; k < pieces.size(); ++k) out += (k ? " " : "") + pieces[k].text;
    } else {
      for (const DecoderStep& step : decoders) {
        switch (step.kind) {
          case DecoderStep::Kind::ByteLevel: byte_level_step(pieces); break;
          case DecoderStep::Kind::Replace:
            for (Piece& p : pieces) replace_in_place(p.text, step.from, step.to);
            break;
          case DecoderStep::Kind::ByteFallback: byte_fallback_step(pieces); break;
          case DecoderStep::Kind::Fuse: {
            Piece fused{{}, false};
            for (const Piece& p : pieces) fused.text += p.text;
            pieces.assign(1, std::move(fused));
            break;
          }
          case DecoderStep::Kind::Strip: strip_step(pieces, step.from, step.start, step.stop); break;
          case DecoderStep::Kind::Metaspace:
            for (size_t k = 0; k < pieces.size(); ++k)
              replace_in_place(pieces[k].text, step.from, k == 0 && step.prepend ? "" : " ");
            break;
        }
      }
      for (const Piece& p : pieces) out += p.text;
    }
  }
  if (clean_up_spaces) out = clean_up_tokenization(std::move(out));
  return out;
}

}  // namespace rf::text

namespace rf {

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  return impl_->decode(ids, skip_special_tokens);
}

}  // namespace rf
