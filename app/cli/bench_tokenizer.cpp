// `recforge-cli bench tokenizer`: single-threaded encode and decode throughput of a tokenizer on a text
// file, plus its load time, as one JSON object. Times are the median of --repeat runs (best also given).
#include "commands.h"

#include "bench_machine.h"
#include "cli_args.h"
#include "text/tokenizer.h"
#include "util/error.h"
#include "util/file_io.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace rf::cli {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int bench_tokenizer(int argc, char** argv) {
  CliArgs args("bench tokenizer",
               "Measure single-threaded encode / decode throughput of a tokenizer on a text file (JSON output).",
               {{"tokenizer", "DIR", "model folder or tokenizer.json", ""},
                {"text", "FILE", "text to encode (read whole, encoded as one string)", ""},
                {"repeat", "N", "timed runs of each of encode and decode", "5"}});
  if (!args.parse(argc, argv)) return 0;
  const long long repeat = args.get_int("repeat");
  if (repeat < 1 || repeat > 1000) throw Error("recforge-cli bench tokenizer: --repeat must be 1..1000");
  const std::string text_path = args.get("text");
  const std::string text = file_read_all(text_path);

  auto start = std::chrono::steady_clock::now();
  const Tokenizer tok = Tokenizer::load(args.get("tokenizer"));
  const double load_s = seconds_since(start);

  std::vector<int32_t> ids = tok.encode(text);  // warm-up (page faults, lazy tables)
  std::vector<double> encode_s, decode_s;
  for (long long r = 0; r < repeat; ++r) {
    start = std::chrono::steady_clock::now();
    ids = tok.encode(text);
    encode_s.push_back(seconds_since(start));
  }
  std::string decoded = tok.decode(ids);
  for (long long r = 0; r < repeat; ++r) {
    start = std::chrono::steady_clock::now();
    decoded = tok.decode(ids);
    decode_s.push_back(seconds_since(start));
  }
  const double bytes = static_cast<double>(text.size()), tokens = static_cast<double>(ids.size());
  const double enc = std::max(bench_median(encode_s), 1e-9), dec = std::max(bench_median(decode_s), 1e-9);
  const double enc_best = std::max(*std::min_element(encode_s.begin(), encode_s.end()), 1e-9);
  const double dec_best = std::max(*std::min_element(decode_s.begin(), decode_s.end()), 1e-9);
  nlohmann::ordered_json j;
  j["tokenizer"] = tok.source();
  j["text"] = text_path;
  j["bytes"] = text.size();
  j["tokens"] = ids.size();
  j["threads"] = 1;
  j["repeat"] = repeat;
  j["load_s"] = load_s;
  j["encode_s"] = enc;
  j["encode_mb_per_s"] = bytes / enc / 1e6;
  j["encode_tokens_per_s"] = tokens / enc;
  j["encode_best_mb_per_s"] = bytes / enc_best / 1e6;
  j["decode_s"] = dec;
  j["decode_mb_per_s"] = bytes / dec / 1e6;
  j["decode_tokens_per_s"] = tokens / dec;
  j["decode_best_mb_per_s"] = bytes / dec_best / 1e6;
  j["roundtrip_exact"] = decoded == text;
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

}  // namespace rf::cli
