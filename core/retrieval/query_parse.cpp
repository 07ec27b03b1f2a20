// Model-written query -> safe FTS5 MATCH expression: see query_parse.h for the grammar.
// Three passes: sanitize (UTF-8, control characters, length), lex (words become phrases of the index
// tokenizer's tokens), then a forgiving recursive parse that repairs parentheses and operators and
// builds an AND/OR/NOT tree, emitted fully parenthesised so FTS5's own precedence never matters.
#include "retrieval/query_parse.h"

#include "retrieval/fts5_api.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>

namespace rf {

namespace {

constexpr size_t kMaxNotes = 24;

struct Notes {
  std::vector<std::string>& list;
  void add(const std::string& note) {
    if (std::find(list.begin(), list.end(), note) != list.end()) return;
    if (list.size() < kMaxNotes) list.push_back(note);
    else if (list.size() == kMaxNotes) list.push_back("(more repairs not listed)");
  }
};

// Cuts `s` to at most `max_bytes` without splitting a UTF-8 character, for showing words in notes.
std::string excerpt(std::string_view s, size_t max_bytes = 40) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end)) + "…";
}

// Length of the valid UTF-8 sequence at s[i] (its code point in `cp`), or 0 when it is invalid
// (bad lead or continuation byte, truncated, overlong, surrogate, beyond U+10FFFF).
int utf8_decode(std::string_view s, size_t i, uint32_t& cp) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  int len = 0;
  uint32_t min = 0;
  if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
  else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
  else return 0;
  if (i + len > s.size()) return 0;
  for (int k = 1; k < len; ++k) {
    const unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool is_unicode_space(uint32_t cp) {
  return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200D) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x2060 || cp == 0x3000 || cp == 0xFEFF;
}

// Valid UTF-8 with only ' ' as whitespace and no control characters; curly double quotes become '"'
// (models and word processors write them for phrases).
std::string sanitize(std::string_view in, size_t max_bytes, Notes& notes) {
  std::string out;
  out.reserve(std::min(in.size(), max_bytes));
  bool invalid = false, control = false;
  size_t i = 0;
  while (i < in.size()) {
    uint32_t cp = 0;
    const int len = utf8_decode(in, i, cp);
    if (i + std::max(len, 1) > max_bytes) {
      notes.add("query cut to its first " + std::to_string(max_bytes) + " bytes");
      break;
    }
    if (len == 0) {
      invalid = true;
      out += ' ';
      ++i;
      continue;
    }
    if (cp == '\t' || cp == '\n' || cp == '\r' || is_unicode_space(cp)) out += ' ';
    else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) control = true, out += ' ';
    else if (cp == 0x201C || cp == 0x201D || cp == 0x201E || cp == 0x201F) out += '"';
    else out.append(in.substr(i, static_cast<size_t>(len)));
    i += static_cast<size_t>(len);
  }
  if (invalid) notes.add("replaced invalid UTF-8 bytes with spaces");
  if (control) notes.add("replaced control characters with spaces");
  return out;
}

enum class Tok { Term, LParen, RParen, And, Or, Not };

struct Token {
  Tok kind = Tok::Term;
  std::string phrase;  // Term: FTS5 string literal, e.g. "anti aging" (with its quotes)
  std::string norm;    // Term: the tokens as the index stores them, joined by ' '
  std::string text;    // as written (for notes)
};

bool is_field_name(std::string_view s) {
  if (s.empty() || s.size() > 32 || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view s, const QueryParseOptions& o, Notes& notes) : s_(s), o_(o), notes_(notes) {}

  std::vector<Token> run() {
    const size_t n = s_.size();
    size_t i = 0;
    while (i < n) {
      const char c = s_[i];
      if (c == ' ' || c == '+') {  // '+' (Lucene's "required") is not supported: the word is searched as usual
        ++i;
      } else if (c == '"') {
        const size_t close = s_.find('"', i + 1);
        if (close == std::string_view::npos) notes_.add("closed an unterminated quote");
        const size_t end = close == std::string_view::npos ? n : close;
        const std::string_view content = s_.substr(i + 1, end - i - 1);
        i = skip_suffixes(close == std::string_view::npos ? n : close + 1);
        add_term(content, true);
      } else if (c == '(' || c == ')') {
        push_op(c == '(' ? Tok::LParen : Tok::RParen, std::string(1, c));
        ++i;
      } else if (s_.compare(i, 2, "&&") == 0 || s_.compare(i, 2, "||") == 0) {
        push_op(c == '&' ? Tok::And : Tok::Or, std::string(2, c));
        i += 2;
      } else if ((c == '-' || c == '!') && i + 1 < n && s_[i + 1] != ' ' && s_[i + 1] != c && s_[i + 1] != ')') {
        push_op(Tok::Not, std::string(1, c));  // -word / !word / -(group) / -"phrase"
        ++i;
      } else if (c == '{' && column_filter_end(i) != 0) {
        const size_t end = column_filter_end(i);
        notes_.add("ignored column filter '" + excerpt(s_.substr(i, end - i)) + "'");
        i = end;
      } else {
        size_t j = i;
        while (j < n && s_[j] != ' ' && s_[j] != '"' && s_[j] != '(' && s_[j] != ')' && s_.compare(j, 2, "&&") != 0 &&
               s_.compare(j, 2, "||") != 0)
          ++j;
        const std::string_view word = s_.substr(i, j - i);
        if (word == "AND") push_op(Tok::And, "AND");
        else if (word == "OR") push_op(Tok::Or, "OR");
        else if (word == "NOT") push_op(Tok::Not, "NOT");
        else add_word(word, j < n && (s_[j] == '"' || s_[j] == '('));
        i = j;
      }
    }
    if (dropped_terms_ > 0)
      notes_.add("kept the first " + std::to_string(o_.max_terms) + " of " + std::to_string(o_.max_terms + dropped_terms_) +
                 " terms");
    if (!stop_words_.empty()) notes_.add("dropped stop words: " + stop_word_list());
    return std::move(tokens_);
  }

  bool only_stop_words() const { return terms_seen_ == 0 && !stop_words_.empty(); }
  std::string stop_word_list() const {
    std::string list;
    for (const std::string& w : stop_words_) list += (list.empty() ? "" : ", ") + w;
    return list;
  }

 private:
  void push_op(Tok kind, std::string text) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    tokens_.push_back(std::move(t));
  }

  // `{a b}:` (FTS5's column filter): the index of the character after the ':', or 0 when it is not one.
  size_t column_filter_end(size_t open) const {
    const size_t close = s_.find('}', open);
    if (close == std::string_view::npos) return 0;
    size_t k = close + 1;
    while (k < s_.size() && s_[k] == ' ') ++k;
    return k < s_.size() && s_[k] == ':' ? k + 1 : 0;
  }

  // After a closing quote: Lucene's `~3` (proximity) and `^2` (boost) are skipped.
  size_t skip_suffixes(size_t i) {
    while (i < s_.size() && (s_[i] == '~' || s_[i] == '^')) {
      size_t j = i + 1;
      while (j < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[j])) || s_[j] == '.')) ++j;
      notes_.add(std::string("ignored ") + (s_[i] == '~' ? "proximity" : "boost") + " '" + std::string(s_.substr(i, j - i)) +
                 "'");
      i = j;
    }
    return i;
  }

  void add_word(std::string_view word, bool followed_by_group) {
    const size_t colon = word.find(':');
    if (colon != std::string_view::npos && is_field_name(word.substr(0, colon))) {
      if (colon + 1 < word.size() || followed_by_group) {
        notes_.add("ignored column filter '" + std::string(word.substr(0, colon + 1)) + "'");
        word.remove_prefix(colon + 1);
      }
    }
    // Lucene's boost `x^2` and fuzziness `x~1` (possibly both), from the end.
    for (;;) {
      const size_t mark = word.find_last_of("^~");
      if (mark == std::string_view::npos || mark == 0) break;
      const std::string_view tail = word.substr(mark + 1);
      if (!std::all_of(tail.begin(), tail.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; }))
        break;
      notes_.add(std::string("ignored ") + (word[mark] == '~' ? "fuzziness" : "boost") + " '" + std::string(word.substr(mark)) + "'");
      word = word.substr(0, mark);
    }
    if (word.find('*') != std::string_view::npos && word.find_first_not_of('*') != std::string_view::npos)
      notes_.add("searched '" + excerpt(word) + "' without its wildcard (no wildcards)");
    add_term(word, false);
  }

  void add_term(std::string_view text, bool quoted) {
    if (text.empty()) return;
    std::vector<Fts5Token> toks = fts5_tokenize(text, o_.tokenizer);
    if (toks.empty()) {
      if (quoted || text.find_first_not_of("-_:;,.!?&|*/\\'`^~=+<>[]{}#@$%") != std::string_view::npos)
        notes_.add("ignored '" + excerpt(text) + "' (no searchable characters)");
      return;
    }
    if (!quoted && toks.size() == 1 && !o_.keep_stop_words) {
      const std::string lower = ascii_lower(text.substr(toks[0].begin, toks[0].end - toks[0].begin));
      if (query_is_stop_word(lower)) {
        if (std::find(stop_words_.begin(), stop_words_.end(), lower) == stop_words_.end()) stop_words_.push_back(lower);
        return;
      }
    }
    if (terms_seen_ >= o_.max_terms) {
      ++dropped_terms_;
      return;
    }
    ++terms_seen_;
    if (toks.size() > o_.max_phrase_tokens) {
      notes_.add("cut a phrase of " + std::to_string(toks.size()) + " words to its first " + std::to_string(o_.max_phrase_tokens));
      toks.resize(o_.max_phrase_tokens);
    }
    Token t;
    t.kind = Tok::Term;
    t.text = excerpt(text);
    t.phrase = "\"";
    for (size_t k = 0; k < toks.size(); ++k) {
      if (k > 0) t.phrase += ' ', t.norm += ' ';
      // Only the token's own characters go inside the FTS5 string; a '"' (possible with tokenchars) is doubled.
      for (char ch : text.substr(toks[k].begin, toks[k].end - toks[k].begin)) {
        if (ch == '"') t.phrase += '"';
        t.phrase += ch;
      }
      t.norm += toks[k].text;
    }
    t.phrase += '"';
    tokens_.push_back(std::move(t));
  }

  std::string_view s_;
  const QueryParseOptions& o_;
  Notes& notes_;
  std::vector<Token> tokens_;
  std::vector<std::string> stop_words_;
  size_t terms_seen_ = 0;
  size_t dropped_terms_ = 0;
};

// Drops unmatched ')', closes unclosed '(', removes redundant pairs (`((x))` is `(x)`) and then flattens
// groups still nested deeper than max_depth into their parent.
std::vector<Token> balance_parentheses(std::vector<Token> in, int max_depth, Notes& notes) {
  auto paren = [](Tok kind) {
    Token t;
    t.kind = kind;
    t.text = kind == Tok::LParen ? "(" : ")";
    return t;
  };
  std::vector<Token> bal;
  bal.reserve(in.size() + 4);
  int open = 0, unmatched = 0;
  for (Token& t : in) {
    if (t.kind == Tok::RParen && open == 0) {
      ++unmatched;
      continue;
    }
    if (t.kind == Tok::LParen) ++open;
    if (t.kind == Tok::RParen) --open;
    bal.push_back(std::move(t));
  }
  if (unmatched) notes.add("dropped " + std::to_string(unmatched) + " unmatched ')'");
  if (open) notes.add("closed " + std::to_string(open) + " unclosed '('");
  for (; open > 0; --open) bal.push_back(paren(Tok::RParen));

  std::vector<size_t> match(bal.size(), 0), stack;
  for (size_t i = 0; i < bal.size(); ++i) {
    if (bal[i].kind == Tok::LParen) stack.push_back(i);
    if (bal[i].kind == Tok::RParen) match[i] = stack.back(), match[stack.back()] = i, stack.pop_back();
  }
  std::vector<bool> drop(bal.size(), false);
  for (size_t i = 0; i + 1 < bal.size(); ++i)
    if (bal[i].kind == Tok::LParen && bal[i + 1].kind == Tok::LParen && match[i + 1] + 1 == match[i])
      drop[i] = drop[match[i]] = true;

  std::vector<Token> out;
  out.reserve(bal.size());
  std::vector<bool> kept;  // per open '(' on the stack: was it kept?
  int depth = 0;
  bool flattened = false;
  for (size_t i = 0; i < bal.size(); ++i) {
    if (drop[i]) continue;
    Token& t = bal[i];
    if (t.kind == Tok::LParen) {
      kept.push_back(depth < max_depth);
      if (!kept.back()) {
        flattened = true;
        continue;
      }
      ++depth;
    } else if (t.kind == Tok::RParen) {
      const bool k = kept.back();
      kept.pop_back();
      if (!k) continue;
      --depth;
    }
    out.push_back(std::move(t));
  }
  if (flattened) notes.add("flattened parentheses nested deeper than " + std::to_string(max_depth));
  return out;
}

struct Node {
  enum Kind { Phrase, And, Or, Not } kind = Phrase;
  std::string phrase, norm;                // Phrase
  std::vector<std::unique_ptr<Node>> kids;  // And/Or: operands; Not: {kept, excluded}
};
using NodePtr = std::unique_ptr<Node>;

NodePtr node_join(Node::Kind kind, std::vector<NodePtr> parts) {
  if (parts.size() == 1) return std::move(parts[0]);
  auto n = std::make_unique<Node>();
  n->kind = kind;
  for (NodePtr& p : parts) {
    if (p->kind == kind)  // (a OR b) OR c == a OR b OR c: keeps the expression flat
      for (NodePtr& k : p->kids) n->kids.push_back(std::move(k));
    else
      n->kids.push_back(std::move(p));
  }
  return n;
}

class Parser {
 public:
  Parser(const std::vector<Token>& toks, const QueryParseOptions& o, Notes& notes) : toks_(toks), o_(o), notes_(notes) {}

  NodePtr parse() {
    Group g = parse_group();
    if (!g.kept && g.excluded) {
      notes_.add("dropped 'NOT " + g.excluded_text + "': NOT needs something to exclude from");
      dropped_lone_not_ = true;
    }
    return std::move(g.kept);
  }
  bool dropped_lone_not() const { return dropped_lone_not_; }

 private:
  struct Item {
    NodePtr node;
    bool negated = false;
    Tok connector = Tok::Term;  // And, Or, or Term for "no operator written"
    std::string text;
  };

  static bool is_op(Tok k) { return k == Tok::And || k == Tok::Or || k == Tok::Not; }

  static std::string op_list(const std::vector<const Token*>& ops) {
    std::string s;
    for (const Token* t : ops) s += (s.empty() ? "" : " ") + t->text;
    return s;
  }

  // A parsed group: what it keeps, or, for a group of nothing but NOT clauses, what it excludes (the
  // parent applies those exclusions itself: `red AND (NOT pink)` is `red NOT pink`).
  struct Group {
    NodePtr kept;
    NodePtr excluded;
    std::string excluded_text;
  };

  // Reads operands up to the matching ')' (or the end) and combines them.
  Group parse_group() {
    std::vector<Item> items;
    std::vector<const Token*> ops;
    while (pos_ < toks_.size()) {
      const Token& t = toks_[pos_++];
      if (t.kind == Tok::RParen) break;
      if (is_op(t.kind)) {
        ops.push_back(&t);
        continue;
      }
      Item it;
      bool only_excluded = false;
      if (t.kind == Tok::LParen) {
        Group g = parse_group();
        it.node = std::move(g.kept);
        it.text = "(…)";
        if (!it.node && g.excluded) {
          it.node = std::move(g.excluded);
          it.text = g.excluded_text;
          only_excluded = true;
        }
      } else {
        it.node = std::make_unique<Node>();
        it.node->phrase = t.phrase;
        it.node->norm = t.norm;
        it.text = t.text;
      }
      if (!it.node) continue;  // an empty group: its operators carry over to the next operand
      resolve_operators(it, ops, items.empty());
      ops.clear();
      if (only_excluded) {
        if (it.negated) {  // NOT (NOT x): no sensible reading
          notes_.add("dropped 'NOT (NOT " + excerpt(it.text) + ")'");
          continue;
        }
        it.negated = true;
      }
      items.push_back(std::move(it));
    }
    if (!ops.empty()) notes_.add("dropped trailing operator '" + op_list(ops) + "'");
    return combine(std::move(items));
  }

  // The operators written before an operand decide how it joins the group.
  void resolve_operators(Item& it, const std::vector<const Token*>& ops, bool first) {
    const bool has_not = std::any_of(ops.begin(), ops.end(), [](const Token* t) { return t->kind == Tok::Not; });
    it.negated = has_not;
    std::vector<const Token*> binary;
    for (const Token* t : ops)
      if (t->kind != Tok::Not) binary.push_back(t);
    if (first) {
      if (!binary.empty()) notes_.add("dropped leading operator '" + op_list(binary) + "'");
      return;
    }
    if (ops.empty()) return;
    if (!binary.empty()) it.connector = binary[0]->kind;
    // Natural forms: `a AND b`, `a OR b`, `a NOT b`, `a AND NOT b`, `a OR NOT b`. Anything more is stray.
    const bool natural = ops.size() == 1 || (ops.size() == 2 && ops[0]->kind != Tok::Not && ops[1]->kind == Tok::Not);
    if (!natural) notes_.add("dropped stray operators in '" + op_list(ops) + "' (kept " + (has_not ? "NOT" : binary[0]->text) + ")");
  }

  Group combine(std::vector<Item> items) {
    std::vector<NodePtr> ors, run, excluded;
    bool first_positive = true;
    for (Item& it : items) {
      if (it.negated) {
        excluded.push_back(std::move(it.node));
        continue;
      }
      Tok conn = it.connector;
      if (conn == Tok::Term) conn = o_.implicit_and ? Tok::And : Tok::Or;
      if (!first_positive && conn == Tok::Or) ors.push_back(node_join(Node::And, std::move(run))), run.clear();
      run.push_back(std::move(it.node));
      first_positive = false;
    }
    Group g;
    if (first_positive) {  // nothing to exclude from here: the parent may apply the exclusions
      if (!excluded.empty()) {
        for (const Item& it : items) g.excluded_text += (g.excluded_text.empty() ? "" : ", ") + it.text;
        g.excluded_text = excerpt(g.excluded_text);
        g.excluded = node_join(Node::Or, std::move(excluded));
      }
      return g;
    }
    ors.push_back(node_join(Node::And, std::move(run)));
    g.kept = node_join(Node::Or, std::move(ors));
    if (excluded.empty()) return g;
    auto n = std::make_unique<Node>();
    n->kind = Node::Not;
    n->kids.push_back(std::move(g.kept));
    n->kids.push_back(node_join(Node::Or, std::move(excluded)));
    g.kept = std::move(n);
    return g;
  }

  const std::vector<Token>& toks_;
  const QueryParseOptions& o_;
  Notes& notes_;
  size_t pos_ = 0;
  bool dropped_lone_not_ = false;
};

void node_emit(const Node& n, bool top, std::string& out) {
  if (n.kind == Node::Phrase) {
    out += n.phrase;
    return;
  }
  if (!top) out += '(';
  const char* op = n.kind == Node::And ? " AND " : n.kind == Node::Or ? " OR " : " NOT ";
  for (size_t i = 0; i < n.kids.size(); ++i) {
    if (i > 0) out += op;
    node_emit(*n.kids[i], false, out);
  }
  if (!top) out += ')';
}

void node_terms(const Node& n, bool negated, Bm25Query& q) {
  if (n.kind == Node::Phrase) {
    (negated ? q.excluded : q.terms).push_back(n.norm);
    return;
  }
  for (size_t i = 0; i < n.kids.size(); ++i) node_terms(*n.kids[i], negated || (n.kind == Node::Not && i == 1), q);
}

}  // namespace

bool query_is_stop_word(std::string_view w) {
  static constexpr std::array<std::string_view, 33> kStop = {
      "a",    "an",   "and",  "are",   "as",    "at",   "be",    "but",  "by",   "for",  "if",
      "in",   "into", "is",   "it",    "no",    "not",  "of",    "on",   "or",   "such", "that",
      "the",  "their", "then", "there", "these", "they", "this", "to",   "was",  "will", "with"};
  return std::find(kStop.begin(), kStop.end(), w) != kStop.end();
}

Bm25Query query_parse(std::string_view text, const QueryParseOptions& options) {
  Bm25Query q;
  Notes notes{q.notes};
  const std::string clean = sanitize(text, options.max_bytes, notes);
  Lexer lexer(clean, options, notes);
  std::vector<Token> toks = balance_parentheses(lexer.run(), std::max(options.max_depth, 0), notes);
  Parser parser(toks, options, notes);
  NodePtr root = parser.parse();
  if (!root) {
    q.reason = "query has no searchable words";
    if (lexer.only_stop_words()) q.reason += " (only stop words: " + lexer.stop_word_list() + ")";
    else if (parser.dropped_lone_not()) q.reason += " (it only excludes words)";
    return q;
  }
  node_emit(*root, true, q.fts_expression);
  node_terms(*root, false, q);
  q.ok = true;
  return q;
}

QueryAnswer query_answer_extract(std::string_view answer) {
  QueryAnswer a;
  auto trim = [](std::string_view s) {
    const size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return std::string_view();
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
  };
  std::string_view s = trim(answer);
  if (s.substr(0, 3) == "```") {  // ```json\n{...}\n```
    const size_t nl = s.find('\n');
    s = nl == std::string_view::npos ? std::string_view() : s.substr(nl + 1);
    if (s.size() >= 3 && s.substr(s.size() - 3) == "```") s.remove_suffix(3);
    s = trim(s);
  }
  const nlohmann::json j = nlohmann::json::parse(s.begin(), s.end(), nullptr, false);
  if (j.is_discarded()) a.reason = "answer is not JSON (expected {\"query\": \"...\"})";
  else if (!j.is_object()) a.reason = "answer JSON is not an object (expected {\"query\": \"...\"})";
  else if (!j.contains("query")) a.reason = "answer JSON has no \"query\" field";
  else if (!j["query"].is_string()) a.reason = "answer's \"query\" is not a string";
  else a.ok = true, a.query = j["query"].get<std::string>();
  return a;
}

}  // namespace rf
