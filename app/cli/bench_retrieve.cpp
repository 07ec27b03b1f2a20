// `recforge-cli bench retrieve`: throughput of the Query recipe's BM25 retriever. Builds the FTS5 index
// over a catalogue (Amazon Beauty titles by default: 12,101 documents), makes realistic model-like queries
// from other items' titles (3-8 words, some Boolean, some phrases, some exclusions), then times parse +
// search of each query, on --threads threads with one index clone (own SQLite connection) per thread.
// Prints one JSON object.
#include "commands.h"

#include "bench_machine.h"
#include "cli_args.h"
#include "data/dataset_store.h"
#include "retrieval/bm25_index.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace rf::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

// A query a model might write for an item like `title`: 3-8 of its words, plain (60%), with AND
// (15%), grouped OR + AND (10%), with an exclusion taken from another title (10%), or a quoted phrase (5%).
std::string query_make(const std::string& title, const std::string& other_title, std::mt19937_64& rng) {
  std::vector<std::string> words = split_words(title);
  if (words.empty()) words = {"beauty"};
  const size_t want = 3 + rng() % 6;
  const size_t start = words.size() > want ? rng() % (words.size() - want + 1) : 0;
  std::vector<std::string> w(words.begin() + static_cast<long>(start),
                             words.begin() + static_cast<long>(std::min(words.size(), start + want)));
  auto join = [](const std::vector<std::string>& v, size_t from, size_t to, const char* sep) {
    std::string s;
    for (size_t i = from; i < to && i < v.size(); ++i) s += (i > from ? sep : "") + v[i];
    return s;
  };
  const unsigned kind = rng() % 100;
  if (kind < 60 || w.size() < 3) return join(w, 0, w.size(), " ");
  if (kind < 75) return join(w, 0, 2, " AND ") + " " + join(w, 2, w.size(), " ");
  // Built with += only: GCC 12 warns falsely (-Wstringop-overflow) on `"literal" + std::string` here.
  std::string q;
  if (kind < 85) {
    q += '(';
    q += join(w, 0, 2, " OR ");
    q += ") AND (";
    q += join(w, 2, w.size(), " OR ");
    q += ')';
    return q;
  }
  if (kind < 95) {
    const std::vector<std::string> other = split_words(other_title);
    return join(w, 0, w.size(), " ") + " NOT " + (other.empty() ? std::string("sample") : other[rng() % other.size()]);
  }
  q += '"';
  q += join(w, 0, 2, " ");
  q += "\" ";
  q += join(w, 2, w.size(), " ");
  return q;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[i];
}

}  // namespace

int bench_retrieve(int argc, char** argv) {
  CliArgs args("bench retrieve",
               "Build the BM25 (SQLite FTS5) index over a catalogue, run generated model-like queries (parse + search) "
               "and print documents, queries/s, mean results and latency percentiles as JSON.",
               {{"data", "DIR_OR_SOURCE", "project folder or data source (see recforge-cli data import)",
                 "/work/shared/data/amazon-beauty-5core"},
                {"dataset", "NAME", "dataset inside a project folder", ""},
                {"format", "FMT", "import format for a source (auto, sequence, esci, ...)", "auto"},
                {"fields", "LIST", "item fields to index: title,categories,tags,creator,text", "title"},
                {"tokenizer", "SPEC", "FTS5 tokenizer", "unicode61 remove_diacritics 2"},
                {"queries", "N", "timed queries", "5000"},
                {"warmup", "N", "untimed queries first (per thread)", "200"},
                {"k", "K", "results per query (top k)", "1000"},
                {"threads", "T", "search threads, each with its own copy of the index", "1"},
                {"builtin-bm25", "", "rank with FTS5's own bm25() instead of the cached-length equivalent", ""},
                {"seed", "N", "seed of the query generator", "1234"}});
  if (!args.parse(argc, argv)) return 0;
  const long long n_queries = args.get_int("queries"), warmup = args.get_int("warmup"), k = args.get_int("k"),
                  threads = args.get_int("threads");
  if (n_queries < 1 || warmup < 0) throw Error("bench retrieve: --queries must be >= 1 and --warmup >= 0");
  if (k < 1 || k > 1000000) throw Error("bench retrieve: --k must be 1..1000000");
  if (threads < 1 || threads > 256) throw Error("bench retrieve: --threads must be 1..256");

  ImportOptions io;
  io.format = args.get("format");
  auto t0 = Clock::now();
  const Dataset ds = dataset_open(args.get("data"), args.get_or("dataset", ""), io);
  const double load_s = seconds_since(t0);
  if (ds.items.empty()) throw Error("bench retrieve: " + args.get("data") + " has no items");

  Bm25Options bo;
  bo.fields = cli_split_list(args.get("fields"));
  bo.tokenizer = args.get("tokenizer");
  bo.builtin_bm25 = args.flag("builtin-bm25");
  t0 = Clock::now();
  Bm25Index index = bm25_index_build(ds, bo);
  const double build_s = seconds_since(t0);

  std::mt19937_64 rng(static_cast<uint64_t>(args.get_int("seed")));
  const size_t total = static_cast<size_t>(n_queries + warmup * threads);
  std::vector<std::string> queries;
  queries.reserve(total);
  for (size_t i = 0; i < total; ++i) {
    const Item& a = ds.items[rng() % ds.items.size()];
    const Item& b = ds.items[rng() % ds.items.size()];
    queries.push_back(query_make(a.title, b.title, rng));
  }

  t0 = Clock::now();
  std::vector<Bm25Index> clones;
  for (long long t = 1; t < threads; ++t) clones.push_back(index.clone());
  const double clone_s = seconds_since(t0);

  // The timed queries are queries[0, n) whatever the thread count (thread t takes every threads-th one,
  // from t); thread t first runs its own warm-up queries [n + t * warmup, n + (t + 1) * warmup).
  std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
  std::vector<size_t> results(static_cast<size_t>(threads), 0), empty(static_cast<size_t>(threads), 0);
  auto worker = [&](size_t t, Bm25Index& idx) {
    const size_t n = static_cast<size_t>(n_queries), w = static_cast<size_t>(warmup);
    for (size_t i = 0; i < w; ++i) idx.search(idx.parse(queries[n + t * w + i]), static_cast<int>(k));
    for (size_t i = t; i < n; i += static_cast<size_t>(threads)) {
      const auto q0 = Clock::now();
      const std::vector<Bm25Hit> hits = idx.search(idx.parse(queries[i]), static_cast<int>(k));
      latencies[t].push_back(seconds_since(q0) * 1e3);
      results[t] += hits.size();
      if (hits.empty()) ++empty[t];
    }
  };
  t0 = Clock::now();
  const double cpu0 = bench_process_cpu_s();
  if (threads == 1) {
    worker(0, index);
  } else {
    std::vector<std::thread> pool;
    pool.emplace_back(worker, 0, std::ref(index));
    for (long long t = 1; t < threads; ++t) pool.emplace_back(worker, static_cast<size_t>(t), std::ref(clones[static_cast<size_t>(t - 1)]));
    for (std::thread& th : pool) th.join();
  }
  const double run_s = seconds_since(t0);
  const double cpu_s = bench_process_cpu_s() - cpu0;

  std::vector<double> all;
  size_t sum_results = 0, sum_empty = 0;
  for (size_t t = 0; t < latencies.size(); ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    sum_results += results[t];
    sum_empty += empty[t];
  }
  std::sort(all.begin(), all.end());
  nlohmann::json out = {
      {"documents", index.document_count()},
      {"queries", n_queries},
      {"k", k},
      {"threads", threads},
      {"fields", bo.fields},
      {"tokenizer", bo.tokenizer},
      {"ranking", bo.builtin_bm25 ? "fts5 bm25()" : "rf bm25 (cached lengths)"},
      {"load_s", load_s},
      {"index_build_s", build_s},
      {"clone_s", clone_s},
      {"run_s", run_s},
      {"queries_per_s", static_cast<double>(n_queries) / run_s},
      {"cpu_s", cpu_s},
      {"queries_per_cpu_s", static_cast<double>(n_queries) / cpu_s},
      {"mean_results", static_cast<double>(sum_results) / static_cast<double>(n_queries)},
      {"empty_results", sum_empty},
      {"p50_ms", percentile(all, 0.50)},
      {"p99_ms", percentile(all, 0.99)},
      {"max_ms", all.empty() ? 0.0 : all.back()},
      {"example_queries", std::vector<std::string>(queries.begin(), queries.begin() + static_cast<long>(std::min<size_t>(queries.size(), 8)))},
      {"cpu", bench_cpu_model()},
      {"hardware_threads", std::thread::hardware_concurrency()}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace rf::cli
