// `recforge-cli pretrain`: a project's base model from scratch. Builds the corpus of a data set (item lines,
// histories in the recipe prompts' words, optionally teacher traces; core/teacher/pretrain_corpus.h), trains a
// byte-level BPE tokenizer and a small Llama-architecture model on it (core/train/pretrain.h) and writes a
// Hugging Face folder. A folder that already holds a model of the same corpus and options is reused
// (recforge_pretrain.json); --force rebuilds it. Progress on stderr, the summary on stdout.
#include "cli_args.h"
#include "commands.h"
#include "data/dataset_store.h"
#include "teacher/pretrain_corpus.h"
#include "train/pretrain.h"
#include "util/error.h"
#include "util/file_io.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>

namespace rf::cli {

int cmd_pretrain(int argc, char** argv) {
  CliArgs args("pretrain",
               "Pretrain a project's base model from scratch: a byte-level BPE tokenizer and a small Llama-architecture\n"
               "model trained on the data set's text (item titles, categories, tags and descriptions; each user's\n"
               "training history written as the recipe prompts write it; teacher traces with --traces), saved as a\n"
               "Hugging Face folder. A folder already holding a model of the same corpus and options is reused.",
               {{"data", "DIR_OR_SOURCE", "project folder or data source (see recforge-cli data import)", ""},
                {"dataset", "NAME", "dataset inside a project folder", ""},
                {"format", "FMT", "import format for a source (auto, generic, movielens-latest, ...)", "auto"},
                {"out", "DIR", "the model folder to write (or reuse)", ""},
                {"size", "tiny|small", "model shape and default steps: tiny ~1.0M parameters, small ~5.4M", "tiny"},
                {"steps", "N", "training steps (default: the size's)", ""},
                {"batch", "B", "rows per step (default: the size's)", ""},
                {"seq-len", "T", "tokens per row (default: the size's)", ""},
                {"lr", "LR", "peak learning rate (default: the size's)", ""},
                {"seed", "S", "seed of the corpus wording, the weights and the batches", "7"},
                {"traces", "FILE[,FILE]", "teacher traces (JSON lines from recforge-cli traces) added to the corpus", ""},
                {"corpus-out", "FILE", "also write the corpus, one JSON string per document and line", ""},
                {"all-interactions", "", "histories include validation and test interactions (default: training only)", ""},
                {"progress", "N", "a progress line on stderr every N steps (0 = none)", "25"},
                {"force", "", "train again even when the folder holds a model of this corpus and these options", ""},
                {"json", "", "print the summary as JSON", ""}});
  if (!args.parse(argc, argv)) return 0;
  if (!args.positional().empty()) throw Error("pretrain: unexpected argument '" + args.positional()[0] + "'");
  if (!args.has("data")) throw Error("pretrain: --data is required (a project folder or a data source)");
  if (!args.has("out")) throw Error("pretrain: --out is required (the model folder to write)");
  const std::string out = args.get("out");

  PretrainOptions o = pretrain_options_for_size(args.get("size"));
  if (args.has("steps")) o.steps = args.get_int("steps");
  if (args.has("batch")) o.batch = args.get_int("batch");
  if (args.has("seq-len")) o.seq_len = args.get_int("seq-len");
  if (args.has("lr")) o.lr = args.get_double("lr");
  o.seed = static_cast<uint64_t>(args.get_int("seed"));
  pretrain_options_validate(o);
  const long long every = args.get_int("progress");
  if (every < 0) throw Error("pretrain: --progress must be >= 0");

  PretrainCorpusOptions co;
  co.seed = o.seed;
  co.train_only = !args.flag("all-interactions");
  std::vector<std::string> trace_files;
  if (args.has("traces")) {
    std::stringstream ss(args.get("traces"));
    for (std::string f; std::getline(ss, f, ',');)
      if (!f.empty()) trace_files.push_back(f);
  }
  ImportOptions io;
  io.format = args.get("format");
  const Dataset ds = dataset_open(args.get("data"), args.get_or("dataset", ""), io);
  const std::vector<std::string> corpus = pretrain_corpus_build(ds, co, trace_files);
  if (corpus.empty()) throw Error("pretrain: dataset '" + ds.name + "' has no text to train on");
  if (args.has("corpus-out")) {
    std::string text;
    for (const auto& doc : corpus) text += nlohmann::json(doc).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    file_write_atomic(args.get("corpus-out"), text);
  }

  const PretrainProgressFn progress = [&](const PretrainProgress& p) {
    using Stage = PretrainProgress::Stage;
    if (p.stage == Stage::tokenizer) {
      std::fprintf(stderr, "pretrain: tokenizer %lld tokens (%lld merges); corpus %lld documents, %lld tokens\n",
                   static_cast<long long>(p.vocab_size), static_cast<long long>(p.merge_count),
                   static_cast<long long>(p.documents), static_cast<long long>(p.corpus_tokens));
    } else if (p.stage == Stage::start) {
      std::fprintf(stderr, "pretrain: training %.2fM parameters for %lld steps (batch %lld x %lld tokens)\n",
                   p.parameters / 1e6, static_cast<long long>(p.steps), static_cast<long long>(o.batch),
                   static_cast<long long>(o.seq_len));
    } else if (p.skipped) {
      std::fprintf(stderr, "  step %lld: non-finite gradient, step skipped\n", static_cast<long long>(p.step));
    } else if (every > 0 && (p.step % every == 0 || p.step == 1 || p.step == p.steps)) {
      std::fprintf(stderr, "  step %5lld/%lld  loss %.4f  lr %.2e  %.0f tokens/s\n", static_cast<long long>(p.step),
                   static_cast<long long>(p.steps), p.loss, p.lr, p.tokens_per_second);
    }
  };
  const PretrainResult r = pretrain_cached(corpus, o, out, args.flag("force"), progress);

  if (args.flag("json")) {
    nlohmann::json j = r.to_json();
    j["dataset"] = ds.name;
    j["options"] = o.to_json();
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  if (r.reused) {
    std::printf("pretrain: reusing the model in %s (same corpus %s and options; --force rebuilds it)\n", out.c_str(),
                r.corpus_hash.c_str());
  } else {
    std::printf("pretrain: wrote %s\n", out.c_str());
  }
  std::printf("  dataset       %s (%lld documents, %lld tokens)\n", ds.name.c_str(), static_cast<long long>(r.documents),
              static_cast<long long>(r.corpus_tokens));
  std::printf("  parameters    %.2fM (vocabulary %lld)\n", r.parameters / 1e6, static_cast<long long>(r.vocab_size));
  std::printf("  tokens seen   %lld in %lld steps\n", static_cast<long long>(r.tokens_seen), static_cast<long long>(r.steps));
  std::printf("  loss          %.4f -> %.4f (mean of the first 10 steps %.4f, of the last 10 %.4f)\n", r.first_loss,
              r.final_loss, r.first_loss_mean, r.final_loss_mean);
  std::printf("  time          %.1f s (training %.1f s)%s\n", r.seconds, r.train_seconds, r.reused ? ", when it was built" : "");
  return 0;
}

}  // namespace rf::cli
