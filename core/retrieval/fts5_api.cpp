// FTS5 extension API access: see fts5_api.h.
#include "retrieval/fts5_api.h"

#include "store/sqlite_db.h"
#include "util/error.h"

#include <sqlite3.h>

#include <cctype>
#include <map>
#include <memory>
#include <sstream>

namespace rf {

namespace {

std::vector<std::string> spec_words(const std::string& spec) {
  std::istringstream in(spec);
  std::vector<std::string> words;
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

// One tokenizer instance per spec, created on first use by this thread.
struct TokenizerEntry {
  fts5_tokenizer methods{};
  Fts5Tokenizer* instance = nullptr;
};

struct ThreadTokenizers {
  std::unique_ptr<SqliteDb> db;
  fts5_api* api = nullptr;
  std::map<std::string, TokenizerEntry> by_spec;

  ~ThreadTokenizers() {
    for (auto& [spec, e] : by_spec)
      if (e.instance) e.methods.xDelete(e.instance);
  }

  TokenizerEntry& get(const std::string& spec) {
    auto it = by_spec.find(spec);
    if (it != by_spec.end()) return it->second;
    fts5_tokenizer_spec_check(spec);
    if (!db) {
      db = std::make_unique<SqliteDb>(":memory:");
      api = fts5_api_of(db->handle());
    }
    const std::vector<std::string> words = spec_words(spec);
    TokenizerEntry e;
    void* user_data = nullptr;
    if (api->xFindTokenizer(api, words[0].c_str(), &user_data, &e.methods) != SQLITE_OK)
      throw Error("FTS5 tokenizer '" + words[0] + "' is not available in this SQLite build");
    std::vector<const char*> argv;
    for (size_t i = 1; i < words.size(); ++i) argv.push_back(words[i].c_str());
    if (e.methods.xCreate(user_data, argv.data(), static_cast<int>(argv.size()), &e.instance) != SQLITE_OK)
      throw Error("FTS5 tokenizer spec '" + spec + "' was rejected by SQLite (bad option?)");
    return by_spec.emplace(spec, e).first->second;
  }
};

struct TokenizeContext {
  std::vector<Fts5Token>* out;
};

int token_callback(void* ctx, int flags, const char* token, int n, int begin, int end) {
  // Colocated tokens are synonyms at the same position; the built-in tokenizers never emit them.
  if (flags & FTS5_TOKEN_COLOCATED) return SQLITE_OK;
  auto* c = static_cast<TokenizeContext*>(ctx);
  c->out->push_back({std::string(token, static_cast<size_t>(n)), begin, end});
  return SQLITE_OK;
}

}  // namespace

fts5_api* fts5_api_of(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) == SQLITE_OK) {
    sqlite3_bind_pointer(stmt, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(stmt);
  }
  sqlite3_finalize(stmt);
  if (!api) throw Error("SQLite " + std::string(sqlite3_libversion()) + " was built without FTS5 (needed by the BM25 retriever)");
  return api;
}

void fts5_tokenizer_spec_check(const std::string& spec) {
  const std::vector<std::string> words = spec_words(spec);
  auto bad = [&](const std::string& why) { throw Error("BM25 tokenizer '" + spec + "': " + why); };
  if (words.empty()) bad("empty (expected e.g. \"unicode61 remove_diacritics 2\")");
  for (const std::string& w : words)
    for (char c : w)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) bad("only letters, digits, '_' and spaces are allowed");
  const std::string& first = words[0];
  if (first != "unicode61" && first != "ascii" && first != "porter") bad("the tokenizer must be unicode61, ascii or porter");
  if (first == "porter" && words.size() > 1 && words[1] != "unicode61" && words[1] != "ascii")
    bad("porter must wrap unicode61 or ascii");
}

std::vector<Fts5Token> fts5_tokenize(std::string_view text, const std::string& spec) {
  thread_local ThreadTokenizers tokenizers;
  TokenizerEntry& e = tokenizers.get(spec);
  std::vector<Fts5Token> out;
  if (text.empty()) return out;
  TokenizeContext ctx{&out};
  const int rc = e.methods.xTokenize(e.instance, &ctx, FTS5_TOKENIZE_QUERY, text.data(), static_cast<int>(text.size()),
                                     token_callback);
  if (rc != SQLITE_OK) throw Error("FTS5 tokenizer '" + spec + "' failed on a query (" + sqlite3_errstr(rc) + ")");
  return out;
}

}  // namespace rf
