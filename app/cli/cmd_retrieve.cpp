// `recforge-cli retrieve`: runs one query through the Query recipe's BM25 retriever over a catalogue and
// shows what the parser made of it (the FTS5 expression, the repairs) and the ranked items with scores.
// A query without searchable words is not an error: it prints the reason and no results.
#include "commands.h"

#include "cli_args.h"
#include "data/dataset_store.h"
#include "retrieval/bm25_index.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace rf::cli {

namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : " | ") + x;
  return s;
}

}  // namespace

int cmd_retrieve(int argc, char** argv) {
  CliArgs args("retrieve",
               "Search a catalogue with BM25 (SQLite FTS5) the way the Query recipe's reward does: the query is "
               "parsed safely (AND, OR, NOT, -word, \"phrases\", parentheses; adjacent words are OR'ed) and the top k "
               "items are listed with their scores.",
               {{"data", "DIR_OR_SOURCE", "project folder or data source (see recforge-cli data import)", ""},
                {"dataset", "NAME", "dataset inside a project folder", ""},
                {"format", "FMT", "import format for a source (auto, sequence, esci, ...)", "auto"},
                {"query", "TEXT", "the search query", ""},
                {"answer", "JSON", "a Rec-R1 answer {\"query\": \"...\"} instead of --query", ""},
                {"k", "K", "number of results", "10"},
                {"fields", "LIST", "item fields to index: title,categories,tags,creator,text", "title,categories,tags,creator,text"},
                {"tokenizer", "SPEC", "FTS5 tokenizer (e.g. \"porter unicode61 remove_diacritics 2\" to stem)",
                 "unicode61 remove_diacritics 2"},
                {"and", "", "adjacent words are AND'ed instead of OR'ed", ""},
                {"keep-stop-words", "", "search stop words (the, for, ...) too", ""},
                {"json", "", "print JSON", ""}});
  if (!args.parse(argc, argv)) return 0;
  if (!args.has("data")) throw Error("retrieve: --data is required (a project folder or a data source)");
  if (args.has("query") == args.has("answer")) throw Error("retrieve: give exactly one of --query TEXT or --answer JSON");
  const long long k = args.get_int("k");
  if (k < 1 || k > 100000) throw Error("retrieve: --k must be 1..100000");

  std::string text;
  if (args.has("answer")) {
    const QueryAnswer a = query_answer_extract(args.get("answer"));
    if (!a.ok) throw Error("retrieve: --answer: " + a.reason);
    text = a.query;
  } else {
    text = args.get("query");
  }

  ImportOptions io;
  io.format = args.get("format");
  const Dataset ds = dataset_open(args.get("data"), args.get_or("dataset", ""), io);
  Bm25Options bo;
  bo.fields = cli_split_list(args.get("fields"));
  bo.tokenizer = args.get("tokenizer");
  Bm25Index index = bm25_index_build(ds, bo);
  QueryParseOptions po;
  po.implicit_and = args.flag("and");
  po.keep_stop_words = args.flag("keep-stop-words");
  const Bm25Query q = index.parse(text, po);
  const std::vector<Bm25Hit> hits = index.search(q, static_cast<int>(k));
  const int64_t matches = index.count(q);

  if (args.flag("json")) {
    nlohmann::json results = nlohmann::json::array();
    for (size_t r = 0; r < hits.size(); ++r) {
      const Item& item = ds.items[static_cast<size_t>(hits[r].doc)];
      results.push_back({{"rank", r + 1}, {"item", hits[r].doc}, {"id", item.id}, {"title", item.title}, {"score", hits[r].score}});
    }
    const nlohmann::json out = {{"query", text},       {"ok", q.ok},          {"reason", q.reason},
                                {"expression", q.fts_expression},             {"terms", q.terms},
                                {"excluded", q.excluded}, {"notes", q.notes}, {"documents", index.document_count()},
                                {"matches", matches},  {"results", results}};
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("query:      %s\n", text.c_str());
  std::printf("expression: %s\n", q.ok ? q.fts_expression.c_str() : "(none)");
  if (!q.ok) std::printf("no search:  %s\n", q.reason.c_str());
  if (!q.excluded.empty()) std::printf("excluded:   %s\n", joined(q.excluded).c_str());
  for (const std::string& n : q.notes) std::printf("repair:     %s\n", n.c_str());
  std::printf("matches:    %lld of %lld documents\n", static_cast<long long>(matches),
              static_cast<long long>(index.document_count()));
  if (hits.empty()) return 0;
  std::printf("\n%5s  %8s  %-12s  %s\n", "rank", "score", "id", "title");
  for (size_t r = 0; r < hits.size(); ++r) {
    const Item& item = ds.items[static_cast<size_t>(hits[r].doc)];
    std::printf("%5zu  %8.4f  %-12s  %s\n", r + 1, hits[r].score, item.id.c_str(), item.title.c_str());
  }
  return 0;
}

}  // namespace rf::cli
