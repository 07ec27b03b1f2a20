// `recforge-cli bench import`: how long a data set takes to read (parse), to save into a fresh project
// database (one transaction) and to load back, as one JSON object. --synthetic N writes a generic-form
// folder with N interactions first (items.jsonl + interactions.csv, deterministic), for sizes the real
// data sets do not reach.
#include "commands.h"

#include "bench_machine.h"
#include "cli_args.h"
#include "data/dataset_store.h"
#include "data/importer.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rf::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Process CPU seconds: on a shared machine they say more about the code than wall time does.
double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

// A generic-form folder: N/20 items in 20 categories, N/50 users with 50 interactions each, items drawn
// with a long tail (squared uniform), ratings 1..5, increasing unix times. A 64-bit LCG keeps it identical
// everywhere.
void synthetic_write(const fs::path& dir, int64_t n) {
  fs::create_directories(dir);
  const int64_t n_items = std::max<int64_t>(100, n / 20), n_users = std::max<int64_t>(10, n / 50);
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0;
  };
  {
    std::FILE* f = std::fopen((dir / "items.jsonl").c_str(), "wb");
    if (!f) throw Error((dir / "items.jsonl").string() + ": cannot write");
    for (int64_t i = 0; i < n_items; ++i) {
      std::fprintf(f,
                   "{\"id\": \"i%lld\", \"title\": \"Synthetic item %lld\", \"categories\": [\"topic %lld\"], "
                   "\"tags\": [\"t%lld\"], \"creator\": \"maker %lld\", \"text\": \"An item about topic %lld.\"}\n",
                   static_cast<long long>(i), static_cast<long long>(i), static_cast<long long>(i % 20),
                   static_cast<long long>(i % 97), static_cast<long long>(i % 500), static_cast<long long>(i % 20));
    }
    std::fclose(f);
  }
  std::FILE* f = std::fopen((dir / "interactions.csv").c_str(), "wb");
  if (!f) throw Error((dir / "interactions.csv").string() + ": cannot write");
  std::fputs("user,item,time,rating\n", f);
  for (int64_t k = 0; k < n; ++k) {
    const int64_t user = k % n_users;
    const double u = next();
    const auto item = static_cast<int64_t>(u * u * static_cast<double>(n_items));
    const int rating = 1 + static_cast<int>(next() * 5);
    std::fprintf(f, "u%lld,i%lld,%lld,%d\n", static_cast<long long>(user), static_cast<long long>(item),
                 static_cast<long long>(1500000000 + k), rating);
  }
  std::fclose(f);
}

}  // namespace

int bench_import(int argc, char** argv) {
  CliArgs args("bench import",
               "Time reading a data set (parse), saving it into a fresh project (one transaction) and loading it\n"
               "back. Prints one JSON object. Give --path (and --format) or --synthetic N.",
               {{"path", "SRC", "source folder or file", ""},
                {"format", "F", "the source's format", "auto"},
                {"meta", "FILE", "metadata / item table for amazon or sequence", ""},
                {"synthetic", "N", "write and import a generic-form data set with N interactions instead", ""},
                {"repeat", "R", "parse R times and report the fastest", "1"}});
  if (!args.parse(argc, argv)) return 0;
  if (args.has("path") == args.has("synthetic")) throw Error("bench import: give exactly one of --path or --synthetic");
  const fs::path work = fs::temp_directory_path() / ("recforge-bench-import-" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{work};

  ImportOptions options;
  options.format = args.get("format");
  options.meta_path = args.get_or("meta", "");
  std::string path = args.get_or("path", "");
  double write_s = 0;
  if (args.has("synthetic")) {
    const long long n = args.get_int("synthetic");
    if (n < 1 || n > 100000000) throw Error("bench import: --synthetic must be in 1..100000000");
    auto t0 = Clock::now();
    synthetic_write(work / "synthetic", n);
    write_s = seconds_since(t0);
    path = (work / "synthetic").string();
    options.format = "generic";
  }
  const long long repeat = std::max(1LL, args.get_int("repeat"));

  double parse_s = 1e300, parse_cpu_s = 1e300;
  Dataset ds;
  for (long long r = 0; r < repeat; ++r) {
    const auto t0 = Clock::now();
    const double c0 = cpu_seconds();
    ds = data_import(path, options);
    parse_s = std::min(parse_s, seconds_since(t0));
    parse_cpu_s = std::min(parse_cpu_s, cpu_seconds() - c0);
  }
  Project project = project_open((work / "project").string(), true);
  auto t0 = Clock::now();
  double c0 = cpu_seconds();
  dataset_save(project, ds, false);
  const double save_s = seconds_since(t0), save_cpu_s = cpu_seconds() - c0;
  t0 = Clock::now();
  c0 = cpu_seconds();
  const Dataset back = dataset_load(project, ds.name);
  const double load_s = seconds_since(t0), load_cpu_s = cpu_seconds() - c0;
  const bool same_counts = back.items.size() == ds.items.size() && back.users.size() == ds.users.size() &&
                           back.interactions.size() == ds.interactions.size();
  project.db->exec("PRAGMA wal_checkpoint(TRUNCATE)");  // so the file size is the data, not a WAL copy
  std::error_code ec;
  const auto db_bytes = fs::file_size(project.db_path(), ec);

  const double n = static_cast<double>(ds.interactions.size());
  nlohmann::json j = {{"benchmark", "import"},
                      {"format", ds.source.substr(0, ds.source.find(':'))},
                      {"path", args.has("synthetic") ? "synthetic:" + args.get("synthetic") : path},
                      {"items", ds.items.size()},
                      {"users", ds.users.size()},
                      {"interactions", ds.interactions.size()},
                      {"parse_s", parse_s},
                      {"save_s", save_s},
                      {"load_s", load_s},
                      {"parse_cpu_s", parse_cpu_s},
                      {"save_cpu_s", save_cpu_s},
                      {"load_cpu_s", load_cpu_s},
                      {"interactions_per_s", parse_s > 0 ? n / parse_s : 0.0},
                      {"save_interactions_per_s", save_s > 0 ? n / save_s : 0.0},
                      {"load_interactions_per_s", load_s > 0 ? n / load_s : 0.0},
                      {"round_trip_counts_equal", same_counts},
                      {"db_mb", static_cast<double>(db_bytes) / 1e6},
                      {"peak_rss_mb", bench_peak_rss_mb()},
                      {"repeat", repeat},
                      {"cpu", bench_cpu_model()}};
  if (args.has("synthetic")) j["synthetic_write_s"] = write_s;
  std::printf("%s\n", j.dump(2).c_str());
  return same_counts ? 0 : 1;
}

}  // namespace rf::cli
