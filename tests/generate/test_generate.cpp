// Generation: greedy parity with Hugging Face (cached and uncached), batching with left padding,
// per-row EOS / stop-string stops, log-probs against a full forward, seeded sampling, and the logits
// processors (repetition penalty, temperature, top-k, top-p, min-p) on hand-made logits, for both the
// fused CPU sampler and the tensor pipeline.
#include "generate/generate.h"
#include "generate/logits_process.h"
#include "model/transformer.h"
#include "support/fixtures.h"
#include "support/suite_registry.h"
#include "util/error.h"

#include <QtTest/QtTest>

#include <cmath>
#include <map>
#include <set>

using rf::GenerateOptions;
using rf::GenerateResult;
using rf::SamplingParams;
using rf::test::fixture_json;
using rf::test::fixture_path;

namespace {

using Prompts = std::vector<std::vector<int64_t>>;

struct Fixture {
  std::unique_ptr<rf::Transformer> model;
  nlohmann::json ref;
  Prompts prompts;
};

Fixture load_fixture(const QString& arch) {
  Fixture f;
  f.model = rf::Transformer::load(fixture_path("hf-parity/" + arch.toStdString()));
  f.ref = fixture_json("hf-parity/" + arch.toStdString() + "/reference.json");
  for (const auto& p : f.ref["input_ids"]) f.prompts.push_back(p.get<std::vector<int64_t>>());
  return f;
}

// The two fixture prompts plus truncations of them: lengths 7, 12, 3, 9, 1.
Prompts mixed_prompts(const Prompts& p) {
  return {p[0], p[1], {p[0].begin(), p[0].begin() + 3}, {p[1].begin(), p[1].begin() + 9}, {p[1][4]}};
}

GenerateOptions greedy_options(int64_t n, bool cache, GenerateOptions::Sampler sampler = GenerateOptions::Sampler::Auto) {
  GenerateOptions o;
  o.max_new_tokens = n;
  o.use_cache = cache;
  o.sampler = sampler;
  return o;
}

GenerateOptions sample_options(int64_t n, uint64_t seed) {
  GenerateOptions o;
  o.max_new_tokens = n;
  o.sampling.do_sample = true;
  o.seed = seed;
  return o;
}

// log_softmax(logits / T) of each new token, from one unpadded forward over prompt + tokens.
std::vector<float> recompute_logprobs(rf::Transformer& m, const std::vector<int64_t>& prompt,
                                      const std::vector<int64_t>& tokens, double T) {
  c10::InferenceMode guard;
  std::vector<int64_t> seq = prompt;
  seq.insert(seq.end(), tokens.begin(), tokens.end());
  at::Tensor ids = at::tensor(seq, at::kLong).view({1, -1});
  at::Tensor logits = m.forward({ids})[0];  // (L, V)
  at::Tensor lp = at::log_softmax(logits / T, -1);
  std::vector<float> out;
  for (size_t i = 0; i < tokens.size(); ++i)
    out.push_back(lp[static_cast<int64_t>(prompt.size() + i - 1)][tokens[i]].item<float>());
  return out;
}

// A toy detokenizer: id -> "[id]".
std::string toy_decode(const std::vector<int64_t>& ids) {
  std::string s;
  for (int64_t id : ids) {  // appended piece by piece (GCC 12 warns falsely on "[" + ... + "]")
    s += '[';
    s.append(std::to_string(id));
    s += ']';
  }
  return s;
}

std::vector<float> tensor_probs(const at::Tensor& logits_row, const SamplingParams& p, const std::vector<int64_t>& seen_ids) {
  const int64_t V = logits_row.size(0);
  at::Tensor seen = at::zeros({1, V}, at::kBool);
  for (int64_t id : seen_ids) seen[0][id] = true;
  at::Tensor processed = rf::logits_process(logits_row.view({1, V}), p, seen)[0];
  at::Tensor probs = p.do_sample ? processed.softmax(-1) : at::one_hot(processed.argmax(), V).to(at::kFloat);
  return std::vector<float>(probs.data_ptr<float>(), probs.data_ptr<float>() + V);
}

std::vector<float> to_vector(const at::Tensor& t) {
  at::Tensor c = t.contiguous().to(at::kFloat);
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

void verify_close(const std::vector<float>& a, const std::vector<float>& b, double tol, const char* what) {
  QCOMPARE(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const bool both_inf = std::isinf(a[i]) && std::isinf(b[i]) && (a[i] > 0) == (b[i] > 0);
    QVERIFY2(both_inf || std::abs(a[i] - b[i]) <= tol,
             qPrintable(QString("%1: index %2: %3 vs %4").arg(what).arg(i).arg(a[i]).arg(b[i])));
  }
}

// A constraint for tests: a fixed allowed list for the first `limit` tokens, then free.
class FixedAllowed final : public rf::TokenConstraint {
 public:
  FixedAllowed(std::vector<int64_t> ids, int limit) : ids_(std::move(ids)), limit_(limit) {}
  const std::vector<int64_t>* allowed() override { return seen_ < limit_ ? &ids_ : nullptr; }
  void advance(int64_t) override { ++seen_; }

 private:
  std::vector<int64_t> ids_;
  int limit_ = 0;
  int seen_ = 0;
};

// A constraint for tests: no allowed list, a fixed set of banned ids.
class FixedBanned final : public rf::TokenConstraint {
 public:
  explicit FixedBanned(std::vector<int64_t> ids) : ids_(std::move(ids)) {}
  const std::vector<int64_t>* allowed() override { return nullptr; }
  const std::vector<int64_t>* banned() override { return &ids_; }
  void advance(int64_t) override {}

 private:
  std::vector<int64_t> ids_;
};

}  // namespace

class TestGenerate : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // Two intra-op threads, so generation splits its matrix products over threads (model/cpu_kernels.h).
  void initTestCase() { at::set_num_threads(2); }
  void init() { at::manual_seed(0); }

  void greedy_matches_hf_data() {
    QTest::addColumn<QString>("arch");
    QTest::addColumn<bool>("cache");
    QTest::addColumn<int>("sampler");
    for (const char* arch : {"llama", "qwen2", "qwen3"})
      for (bool cache : {true, false})
        for (int sampler : {1, 2})
          QTest::newRow(QString("%1 %2 %3").arg(arch, cache ? "cache" : "no-cache", sampler == 1 ? "fused" : "tensor").toUtf8())
              << QString(arch) << cache << sampler;
  }
  void greedy_matches_hf() {
    QFETCH(QString, arch);
    QFETCH(bool, cache);
    QFETCH(int, sampler);
    Fixture f = load_fixture(arch);
    for (size_t p = 0; p < f.prompts.size(); ++p) {
      const auto out = rf::generate(*f.model, {f.prompts[p]},
                                    greedy_options(16, cache, static_cast<GenerateOptions::Sampler>(sampler)));
      QCOMPARE(out[0].tokens, f.ref["greedy_cached"][p].get<std::vector<int64_t>>());
      QCOMPARE(out[0].finish_reason, std::string("length"));
    }
  }

  void unpadded_batch_equals_single() {
    // Prompts of one length: no attention mask at all (the causal mask broadcasts over the batch).
    Fixture f = load_fixture("llama");
    const Prompts prompts{f.prompts[0], {f.prompts[1].begin(), f.prompts[1].begin() + 7}, {f.prompts[1].end() - 7, f.prompts[1].end()}};
    for (bool cache : {true, false}) {
      const auto batch = rf::generate(*f.model, prompts, greedy_options(8, cache));
      for (size_t i = 0; i < prompts.size(); ++i)
        QCOMPARE(batch[i].tokens, rf::generate(*f.model, {prompts[i]}, greedy_options(8, cache))[0].tokens);
    }
  }

  void chunked_prefill_is_the_same() {
    Fixture f = load_fixture("qwen3");
    const Prompts prompts = mixed_prompts(f.prompts);
    const auto whole = rf::generate(*f.model, prompts, greedy_options(10, true));
    for (int64_t chunk_tokens : {1, 12, 30}) {  // one row per chunk, one row of 12, two rows
      GenerateOptions o = greedy_options(10, true);
      o.prefill_chunk_tokens = chunk_tokens;
      const auto chunked = rf::generate(*f.model, prompts, o);
      for (size_t i = 0; i < prompts.size(); ++i) {
        QCOMPARE(chunked[i].tokens, whole[i].tokens);
        verify_close(chunked[i].logprobs, whole[i].logprobs, 1e-5, "chunked prefill logprobs");
      }
    }
  }

  void batch_equals_single_data() {
    QTest::addColumn<QString>("arch");
    QTest::addColumn<bool>("cache");
    for (const char* arch : {"llama", "qwen2", "qwen3"})
      for (bool cache : {true, false})
        QTest::newRow(QString("%1 %2").arg(arch, cache ? "cache" : "no-cache").toUtf8()) << QString(arch) << cache;
  }
  void batch_equals_single() {
    QFETCH(QString, arch);
    QFETCH(bool, cache);
    Fixture f = load_fixture(arch);
    const Prompts prompts = mixed_prompts(f.prompts);
    rf::GenerateStats stats;
    const auto batch = rf::generate(*f.model, prompts, greedy_options(12, cache), &stats);
    QCOMPARE(batch.size(), prompts.size());
    for (size_t i = 0; i < prompts.size(); ++i) {
      const auto alone = rf::generate(*f.model, {prompts[i]}, greedy_options(12, cache));
      QCOMPARE(batch[i].tokens, alone[0].tokens);
      verify_close(batch[i].logprobs, alone[0].logprobs, 1e-4, "logprobs batch vs alone");
    }
    QCOMPARE(stats.prefill_tokens, int64_t(7 + 12 + 3 + 9 + 1));
    QCOMPARE(stats.generated_tokens, int64_t(5 * 12));
    QCOMPARE(stats.decode_tokens, int64_t(5 * 11));
  }

  void eos_ends_rows_independently_data() { batch_equals_single_data(); }
  void eos_ends_rows_independently() {
    QFETCH(QString, arch);
    QFETCH(bool, cache);
    Fixture f = load_fixture(arch);
    const Prompts prompts = mixed_prompts(f.prompts);
    const auto free_run = rf::generate(*f.model, prompts, greedy_options(12, cache));
    // EOS = row 0's 4th token; rows whose greedy output contains it stop there, the others run on.
    const int64_t eos = free_run[0].tokens[3];
    GenerateOptions o = greedy_options(12, cache);
    o.eos_ids = {9999, eos};
    rf::GenerateStats stats;
    const auto out = rf::generate(*f.model, prompts, o, &stats);
    int64_t expected_decode = 0;
    for (size_t i = 0; i < prompts.size(); ++i) {
      const auto& full = free_run[i].tokens;
      const auto it = std::find(full.begin(), full.end(), eos);
      if (it == full.end()) {
        QCOMPARE(out[i].tokens, full);
        QCOMPARE(out[i].finish_reason, std::string("length"));
      } else {
        QCOMPARE(out[i].tokens, std::vector<int64_t>(full.begin(), it + 1));
        QCOMPARE(out[i].finish_reason, std::string("eos"));
      }
      QCOMPARE(out[i].logprobs.size(), out[i].tokens.size());
      expected_decode += static_cast<int64_t>(out[i].tokens.size()) - 1;
    }
    QVERIFY(out[0].tokens.size() <= 4);  // earlier if the token also came before
    QCOMPARE(out[0].finish_reason, std::string("eos"));
    // Finished rows cost nothing: decode steps only ran the rows still going.
    QCOMPARE(stats.decode_tokens, expected_decode);
  }

  void stop_strings_end_rows_independently_data() { batch_equals_single_data(); }
  void stop_strings_end_rows_independently() {
    QFETCH(QString, arch);
    QFETCH(bool, cache);
    Fixture f = load_fixture(arch);
    const Prompts prompts = mixed_prompts(f.prompts);
    const auto free_run = rf::generate(*f.model, prompts, greedy_options(12, cache));
    // Row 1: a stop string spanning its 3rd and 4th tokens ("...][b]" + "[c" of the next one: it
    // ends inside the 5th token, which runs past it). Row 0: the 6th token completes "[id]" exactly.
    const auto& t1 = free_run[1].tokens;
    const std::string stop_a = toy_decode({t1[2], t1[3]}) + toy_decode({t1[4]}).substr(0, 2);
    const std::string stop_b = toy_decode({free_run[0].tokens[5]});
    GenerateOptions o = greedy_options(12, cache);
    o.stop_strings = {stop_a, stop_b};
    o.decode = toy_decode;
    const auto out = rf::generate(*f.model, prompts, o);
    for (size_t i = 0; i < prompts.size(); ++i) {
      const auto& full = free_run[i].tokens;
      // Expected: the first prefix whose decoded text contains a stop string.
      size_t end = full.size();
      for (size_t k = 1; k <= full.size(); ++k) {
        const std::string text = toy_decode({full.begin(), full.begin() + static_cast<std::ptrdiff_t>(k)});
        if (text.find(stop_a) != std::string::npos || text.find(stop_b) != std::string::npos) {
          end = k;
          break;
        }
      }
      QCOMPARE(out[i].tokens, std::vector<int64_t>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(end)));
      QCOMPARE(out[i].finish_reason, std::string(end < full.size() || toy_decode(full).find(stop_a) != std::string::npos ||
                                                         toy_decode(full).find(stop_b) != std::string::npos
                                                     ? "stop"
                                                     : "length"));
    }
    QVERIFY(out[0].tokens.size() <= 6);
    QCOMPARE(out[0].finish_reason, std::string("stop"));
    QVERIFY(out[1].tokens.size() <= 5);
    QCOMPARE(out[1].finish_reason, std::string("stop"));
  }

  void stop_string_matcher() {
    rf::StopStringMatcher m({"</answer>"}, [](const std::vector<int64_t>& ids) {
      static const std::map<int64_t, std::string> vocab{{1, "</"}, {2, "ans"}, {3, "wer"}, {4, ">\n"}, {5, "x"}, {6, "</answer>"}};
      std::string s;
      for (int64_t id : ids) s += vocab.at(id);
      return s;
    });
    QVERIFY(!m.matches({5, 1, 2, 3}));
    QVERIFY(m.matches({5, 1, 2, 3, 4}));  // the last token runs past the stop string
    QVERIFY(m.matches({6}));
    QVERIFY(m.matches({5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1, 2, 3, 4}));
    try {
      rf::StopStringMatcher bad({"x"}, nullptr);
      QFAIL("expected an error");
    } catch (const rf::Error& e) {
      QVERIFY(std::string(e.what()).find("decode") != std::string::npos);
    }
  }

  void logprobs_match_full_forward_data() {
    QTest::addColumn<QString>("arch");
    QTest::addColumn<bool>("sample");
    QTest::addColumn<int>("sampler");
    for (const char* arch : {"llama", "qwen3"})
      for (bool sample : {false, true})
        for (int sampler : {1, 2})
          QTest::newRow(QString("%1 %2 %3").arg(arch, sample ? "sample" : "greedy", sampler == 1 ? "fused" : "tensor").toUtf8())
              << QString(arch) << sample << sampler;
  }
  void logprobs_match_full_forward() {
    QFETCH(QString, arch);
    QFETCH(bool, sample);
    QFETCH(int, sampler);
    Fixture f = load_fixture(arch);
    const Prompts prompts = mixed_prompts(f.prompts);
    GenerateOptions o = sample ? sample_options(10, 7) : greedy_options(10, true);
    o.sampler = static_cast<GenerateOptions::Sampler>(sampler);
    if (sample) {
      o.sampling.temperature = 0.7;
      o.sampling.top_p = 0.9;
      o.sampling.top_k = 50;
      o.sampling.repetition_penalty = 1.3;  // changes the choice, not the reported log-probs
    }
    const auto out = rf::generate(*f.model, prompts, o);
    for (size_t i = 0; i < prompts.size(); ++i) {
      const auto expected = recompute_logprobs(*f.model, prompts[i], out[i].tokens, sample ? 0.7 : 1.0);
      verify_close(out[i].logprobs, expected, 1e-4, "logprob");
    }
  }

  // Row 0 may only use four ids, row 1 is free, row 2 is held to two ids for its first three tokens.
  // Constrained tokens come from their lists (greedy: the list's best by the full forward's logits) and
  // are recorded with them; their log-probs are log-softmax over the list (the policy they were drawn
  // from), the free tokens' over the whole vocabulary — both from one full forward here.
  void constrained_rows_choose_allowed_tokens_data() { logprobs_match_full_forward_data(); }
  void constrained_rows_choose_allowed_tokens() {
    QFETCH(QString, arch);
    QFETCH(bool, sample);
    QFETCH(int, sampler);
    Fixture f = load_fixture(arch);
    const Prompts prompts = {f.prompts[0], f.prompts[1], f.prompts[1]};
    const std::vector<int64_t> four = {3, 17, 42, 99}, two = {7, 250};
    GenerateOptions o = sample ? sample_options(8, 3) : greedy_options(8, true);
    o.sampler = static_cast<GenerateOptions::Sampler>(sampler);
    if (sample) o.sampling.temperature = 0.8;
    o.constraint = [&](size_t row) -> std::unique_ptr<rf::TokenConstraint> {
      if (row == 0) return std::make_unique<FixedAllowed>(four, 1000);
      if (row == 2) return std::make_unique<FixedAllowed>(two, 3);
      return nullptr;
    };
    const auto out = rf::generate(*f.model, prompts, o);
    const auto free = rf::generate(*f.model, prompts, [&] { GenerateOptions g = o; g.constraint = nullptr; return g; }());
    QCOMPARE(out[0].tokens.size(), size_t(8));
    for (int64_t t : out[0].tokens) QVERIFY(std::count(four.begin(), four.end(), t) == 1);
    for (size_t i = 0; i < 3; ++i) QVERIFY(std::count(two.begin(), two.end(), out[2].tokens[i]) == 1);
    QCOMPARE(out[1].tokens, free[1].tokens);  // an unconstrained row is not disturbed by its neighbours
    const double T = sample ? 0.8 : 1.0;
    for (size_t r = 0; r < prompts.size(); ++r) {
      const std::vector<int64_t>* list = r == 0 ? &four : r == 2 ? &two : nullptr;
      const size_t held = r == 0 ? 8 : r == 2 ? 3 : 0;
      QCOMPARE(out[r].constrained.size(), held);
      for (size_t i = 0; i < held; ++i) {
        QCOMPARE(out[r].constrained[i].index, static_cast<int32_t>(i));
        QCOMPARE(out[r].constrained[i].allowed, *list);
      }
      c10::InferenceMode guard;
      std::vector<int64_t> seq = prompts[r];
      seq.insert(seq.end(), out[r].tokens.begin(), out[r].tokens.end());
      const at::Tensor logits = f.model->forward({at::tensor(seq, at::kLong).view({1, -1})})[0] / T;  // (L, V)
      std::vector<float> expected;
      for (size_t i = 0; i < out[r].tokens.size(); ++i) {
        const at::Tensor row = logits[static_cast<int64_t>(prompts[r].size() + i - 1)];
        const at::Tensor pool = i < held ? row.index_select(0, at::tensor(*list, at::kLong)) : row;
        expected.push_back((row[out[r].tokens[i]] - pool.logsumexp(0)).item<float>());
      }
      verify_close(out[r].logprobs, expected, 1e-4, "logprob");
    }
    if (!sample) {
      // Greedy: each constrained token is the allowed id with the highest logit of a full forward.
      c10::InferenceMode guard;
      std::vector<int64_t> seq = prompts[0];
      seq.insert(seq.end(), out[0].tokens.begin(), out[0].tokens.end());
      const at::Tensor logits = f.model->forward({at::tensor(seq, at::kLong).view({1, -1})})[0];  // (L, V)
      for (size_t i = 0; i < out[0].tokens.size(); ++i) {
        const at::Tensor row = logits[static_cast<int64_t>(prompts[0].size() + i - 1)];
        int64_t best = four[0];
        for (int64_t id : four)
          if (row[id].item<float>() > row[best].item<float>()) best = id;
        QCOMPARE(out[0].tokens[i], best);
      }
    }
  }

  // Row 0 may not write the ids an unconstrained greedy run of it writes; row 1 is free. Row 0 never
  // writes them, its log-probs are log-softmax over the rest of the vocabulary, and greedy picks the best
  // of the rest by a full forward's logits; row 1 is undisturbed.
  void banned_ids_are_never_written_data() { logprobs_match_full_forward_data(); }
  void banned_ids_are_never_written() {
    QFETCH(QString, arch);
    QFETCH(bool, sample);
    QFETCH(int, sampler);
    Fixture f = load_fixture(arch);
    const Prompts prompts = {f.prompts[0], f.prompts[1]};
    GenerateOptions o = sample ? sample_options(8, 5) : greedy_options(8, true);
    o.sampler = static_cast<GenerateOptions::Sampler>(sampler);
    if (sample) o.sampling.temperature = 0.8;
    const auto free = rf::generate(*f.model, prompts, o);
    std::vector<int64_t> banned = free[0].tokens;
    std::sort(banned.begin(), banned.end());
    banned.erase(std::unique(banned.begin(), banned.end()), banned.end());
    o.constraint = [&](size_t row) -> std::unique_ptr<rf::TokenConstraint> {
      return row == 0 ? std::make_unique<FixedBanned>(banned) : nullptr;
    };
    const auto out = rf::generate(*f.model, prompts, o);
    QCOMPARE(out[1].tokens, free[1].tokens);
    QVERIFY(out[0].constrained.empty());
    for (int64_t t : out[0].tokens) QVERIFY(!std::binary_search(banned.begin(), banned.end(), t));
    c10::InferenceMode guard;
    std::vector<int64_t> seq = prompts[0];
    seq.insert(seq.end(), out[0].tokens.begin(), out[0].tokens.end());
    const at::Tensor logits = f.model->forward({at::tensor(seq, at::kLong).view({1, -1})})[0] / (sample ? 0.8 : 1.0);
    std::vector<float> expected;
    for (size_t i = 0; i < out[0].tokens.size(); ++i) {
      at::Tensor row = logits[static_cast<int64_t>(prompts[0].size() + i - 1)].clone();
      row.index_fill_(0, at::tensor(banned, at::kLong), -std::numeric_limits<float>::infinity());
      expected.push_back((row[out[0].tokens[i]] - row.logsumexp(0)).item<float>());
      if (!sample) QCOMPARE(out[0].tokens[i], row.argmax().item<int64_t>());
    }
    verify_close(out[0].logprobs, expected, 1e-4, "logprob");
  }

  void seeded_sampling_data() {
    QTest::addColumn<int>("sampler");
    QTest::newRow("fused") << 1;
    QTest::newRow("tensor") << 2;
  }
  void seeded_sampling() {
    QFETCH(int, sampler);
    Fixture f = load_fixture("qwen2");
    const Prompts prompts = mixed_prompts(f.prompts);
    auto run = [&](uint64_t seed) {
      GenerateOptions o = sample_options(16, seed);
      o.sampler = static_cast<GenerateOptions::Sampler>(sampler);
      o.sampling.top_p = 0.95;
      std::vector<std::vector<int64_t>> tokens;
      for (const auto& r : rf::generate(*f.model, prompts, o)) tokens.push_back(r.tokens);
      return tokens;
    };
    const auto a = run(42);
    at::manual_seed(123);  // the global generator plays no part
    QCOMPARE(run(42), a);
    QVERIFY(run(43) != a);
    // The samples are spread out, not stuck on the greedy choice.
    const auto greedy = rf::generate(*f.model, prompts, greedy_options(16, true));
    QVERIFY(a[0] != greedy[0].tokens);
  }

  void degenerate_sampling_equals_greedy_data() {
    QTest::addColumn<QString>("setting");
    QTest::addColumn<int>("sampler");
    for (const char* s : {"top_k=1", "top_p=1e-9", "min_p=1"})
      for (int sampler : {1, 2})
        QTest::newRow(QString("%1 %2").arg(s, sampler == 1 ? "fused" : "tensor").toUtf8()) << QString(s) << sampler;
  }
  void degenerate_sampling_equals_greedy() {
    QFETCH(QString, setting);
    QFETCH(int, sampler);
    Fixture f = load_fixture("llama");
    const Prompts prompts = mixed_prompts(f.prompts);
    GenerateOptions o = sample_options(12, 5);
    o.sampler = static_cast<GenerateOptions::Sampler>(sampler);
    o.sampling.temperature = 1.5;
    if (setting == "top_k=1") o.sampling.top_k = 1;
    if (setting == "top_p=1e-9") o.sampling.top_p = 1e-9;
    if (setting == "min_p=1") o.sampling.min_p = 1.0;
    const auto sampled = rf::generate(*f.model, prompts, o);
    const auto greedy = rf::generate(*f.model, prompts, greedy_options(12, true));
    for (size_t i = 0; i < prompts.size(); ++i) QCOMPARE(sampled[i].tokens, greedy[i].tokens);
  }

  void repetition_penalty_by_hand() {
    // Seen tokens 0, 1 and 3: positive logits divided by 2, negative ones multiplied by 2.
    at::Tensor logits = at::tensor(std::vector<float>{2.0f, -1.0f, 0.5f, -3.0f, 1.0f}).view({1, 5});
    at::Tensor seen = at::tensor(std::vector<uint8_t>{1, 1, 0, 1, 0}).to(at::kBool).view({1, 5});
    const std::vector<float> expected{1.0f, -2.0f, 0.5f, -6.0f, 1.0f};
    verify_close(to_vector(rf::logits_repetition_penalty(logits, seen, 2.0)), expected, 1e-7, "penalty");
    // Greedy with the penalty: token 0 (2.0, seen -> 1.0) loses to token 4 (1.5, unseen).
    SamplingParams p;
    p.repetition_penalty = 2.0;
    rf::RowScratch s;
    const std::vector<float> row{2.0f, -1.0f, 0.5f, -3.0f, 1.5f};
    const auto c = rf::sample_row(row.data(), 5, p, {0, 1, 3}, 0.0, s);
    QCOMPARE(c.token, int64_t(4));
    // The reported log-prob is from the raw logits (T = 1), not the penalised ones.
    const double lse = std::log(std::exp(2.0) + std::exp(-1.0) + std::exp(0.5) + std::exp(-3.0) + std::exp(1.5));
    QVERIFY(std::abs(c.logprob - (1.5 - lse)) < 1e-6);
    // Sampling distribution with penalty 1.5 and temperature 0.5, compared with a hand computation.
    SamplingParams q;
    q.do_sample = true;
    q.repetition_penalty = 1.5;
    q.temperature = 0.5;
    const std::vector<double> x{2.0 / 1.5 / 0.5, -1.0 * 1.5 / 0.5, 0.5 / 0.5, -3.0 / 0.5, 1.5 / 0.5};  // 0, 1 seen
    double z = 0.0;
    for (double v : x) z += std::exp(v);
    std::vector<float> want;
    for (double v : x) want.push_back(static_cast<float>(std::exp(v) / z));
    verify_close(rf::sample_row_probs(row.data(), 5, q, {0, 1}), want, 1e-6, "fused probs");
    verify_close(tensor_probs(at::tensor(row), q, {0, 1}), want, 1e-6, "tensor probs");
  }

  void warpers_by_hand() {
    const std::vector<float> row{1.0f, 3.0f, 2.0f, 3.0f, 0.0f, -1.0f};
    const at::Tensor t = at::tensor(row).view({1, 6});
    const float inf = std::numeric_limits<float>::infinity();
    // Temperature.
    verify_close(to_vector(rf::logits_temperature(t, 2.0)), {0.5f, 1.5f, 1.0f, 1.5f, 0.0f, -0.5f}, 1e-7, "temperature");
    // Top-k keeps ties with the k-th value: k=1 keeps both 3.0s; k=3 keeps 3, 3, 2.
    verify_close(to_vector(rf::logits_top_k(t, 1)), {-inf, 3.0f, -inf, 3.0f, -inf, -inf}, 0, "top_k 1");
    verify_close(to_vector(rf::logits_top_k(t, 3)), {-inf, 3.0f, 2.0f, 3.0f, -inf, -inf}, 0, "top_k 3");
    // Top-p (HF: sort ascending, drop the tokens whose cumulative probability is <= 1 - top_p).
    // Probabilities of 3, 3, 2, 1, 0, -1: .3889 .3889 .1431 .0526 .0194 .0071; descending cumulative
    // .389 .778 .921 .973 .993 1. top_p 0.5 keeps the two 3.0s, 0.8 adds 2.0, 0.95 adds 1.0.
    verify_close(to_vector(rf::logits_top_p(t, 0.5)), {-inf, 3.0f, -inf, 3.0f, -inf, -inf}, 0, "top_p 0.5");
    verify_close(to_vector(rf::logits_top_p(t, 0.8)), {-inf, 3.0f, 2.0f, 3.0f, -inf, -inf}, 0, "top_p 0.8");
    verify_close(to_vector(rf::logits_top_p(t, 0.95)), {1.0f, 3.0f, 2.0f, 3.0f, -inf, -inf}, 0, "top_p 0.95");
    {  // A tiny top_p keeps exactly one token, one of the two tied maxima.
      const auto kept = to_vector(rf::logits_top_p(t, 1e-9));
      QCOMPARE(std::count(kept.begin(), kept.end(), 3.0f), 1L);
      QCOMPARE(std::count(kept.begin(), kept.end(), -inf), 5L);
    }
    // Min-p 0.3: keep p >= 0.3 * max p, i.e. exp(x - 3) >= 0.3: x >= 3 + ln 0.3 = 1.796: 3, 2, 3.
    verify_close(to_vector(rf::logits_min_p(t, 0.3)), {-inf, 3.0f, 2.0f, 3.0f, -inf, -inf}, 0, "min_p 0.3");
    verify_close(to_vector(rf::logits_min_p(t, 0.1)), {1.0f, 3.0f, 2.0f, 3.0f, -inf, -inf}, 0, "min_p 0.1");

    // The fused sampler keeps exactly the same tokens, with softmax probabilities over them.
    struct Case { int64_t k; double p; double minp; std::vector<int> kept; };
    for (const Case& c : std::vector<Case>{{1, 1.0, 0.0, {1, 3}}, {3, 1.0, 0.0, {1, 2, 3}}, {0, 0.5, 0.0, {1, 3}},
                                           {0, 0.8, 0.0, {1, 2, 3}}, {0, 0.95, 0.0, {0, 1, 2, 3}},
                                           {0, 1e-9, 0.0, {1}}, {0, 1.0, 0.3, {1, 2, 3}}, {0, 1.0, 0.1, {0, 1, 2, 3}},
                                           {2, 0.9, 0.0, {1, 3}}, {0, 0.95, 0.1, {0, 1, 2, 3}}}) {
      SamplingParams p;
      p.do_sample = true;
      p.top_k = c.k;
      p.top_p = c.p;
      p.min_p = c.minp;
      const auto fused = rf::sample_row_probs(row.data(), 6, p, {});
      double z = 0.0;
      for (int i : c.kept) z += std::exp(row[i]);
      std::vector<float> want(6, 0.0f);
      for (int i : c.kept) want[i] = static_cast<float>(std::exp(row[i]) / z);
      const QByteArray label = QString("k=%1 p=%2 min_p=%3").arg(c.k).arg(c.p).arg(c.minp).toUtf8();
      verify_close(fused, want, 1e-6, label.constData());
      if (c.p != 1e-9) verify_close(tensor_probs(t[0], p, {}), want, 1e-6, label.constData());  // ties: HF's sort decides
    }
  }

  void fused_equals_tensor_on_random_logits() {
    at::Tensor logits = at::randn({8, 300}) * 2.0;
    std::vector<SamplingParams> cases;
    for (double T : {0.6, 1.0, 1.7})
      for (int64_t k : {0, 1, 20})
        for (double top_p : {1.0, 0.9, 0.3})
          for (double min_p : {0.0, 0.05})
            for (double pen : {1.0, 1.2}) {
              SamplingParams p;
              p.do_sample = true;
              p.temperature = T;
              p.top_k = k;
              p.top_p = top_p;
              p.min_p = min_p;
              p.repetition_penalty = pen;
              cases.push_back(p);
            }
    SamplingParams greedy_pen;
    greedy_pen.repetition_penalty = 1.5;
    cases.push_back(greedy_pen);
    const std::vector<int64_t> seen{3, 17, 100, 299};
    for (const auto& p : cases)
      for (int64_t r = 0; r < logits.size(0); ++r) {
        const at::Tensor row = logits[r].contiguous();
        verify_close(rf::sample_row_probs(row.data_ptr<float>(), 300, p, seen), tensor_probs(row, p, seen), 1e-5,
                     "fused vs tensor");
      }
  }

  void inverse_cdf_frequencies() {
    // Evenly spread uniforms reproduce the kept distribution.
    const std::vector<float> row{0.0f, 1.0f, 2.0f, -5.0f, 1.5f};
    SamplingParams p;
    p.do_sample = true;
    p.top_p = 0.9;
    const auto probs = rf::sample_row_probs(row.data(), 5, p, {});
    std::vector<double> counts(5, 0.0);
    rf::RowScratch s;
    const int N = 20000;
    for (int i = 0; i < N; ++i) counts[rf::sample_row(row.data(), 5, p, {}, (i + 0.5) / N, s).token] += 1.0 / N;
    for (int i = 0; i < 5; ++i) QVERIFY2(std::abs(counts[i] - probs[i]) < 1e-3, qPrintable(QString::number(i)));
    QCOMPARE(counts[3], 0.0);
  }

  void bad_options_data() {
    QTest::addColumn<QString>("what");
    QTest::addColumn<QString>("expected");
    QTest::newRow("temperature") << "temperature" << "temperature";
    QTest::newRow("top_p") << "top_p" << "top_p";
    QTest::newRow("top_k") << "top_k" << "top_k";
    QTest::newRow("min_p") << "min_p" << "min_p";
    QTest::newRow("repetition_penalty") << "repetition_penalty" << "repetition_penalty";
    QTest::newRow("max_new_tokens") << "max_new_tokens" << "max_new_tokens";
    QTest::newRow("empty prompt") << "empty" << "prompt 1 is empty";
    QTest::newRow("id outside vocab") << "id" << "outside the vocabulary";
    QTest::newRow("stop without decode") << "stop" << "decode";
  }
  void bad_options() {
    QFETCH(QString, what);
    QFETCH(QString, expected);
    Fixture f = load_fixture("qwen2");
    Prompts prompts{{1, 2, 3}, {4, 5}};
    GenerateOptions o = sample_options(4, 1);
    if (what == "temperature") o.sampling.temperature = 0.0;
    if (what == "top_p") o.sampling.top_p = 1.5;
    if (what == "top_k") o.sampling.top_k = -2;
    if (what == "min_p") o.sampling.min_p = -0.1;
    if (what == "repetition_penalty") o.sampling.repetition_penalty = 0.0;
    if (what == "max_new_tokens") o.max_new_tokens = -1;
    if (what == "empty") prompts[1].clear();
    if (what == "id") prompts[0][1] = 512;
    if (what == "stop") o.stop_strings = {"</answer>"};
    try {
      rf::generate(*f.model, prompts, o);
      QFAIL("expected an error");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find(expected.toStdString()) != std::string::npos, e.what());
    }
  }

  void zero_new_tokens_and_empty_batch() {
    Fixture f = load_fixture("qwen2");
    QVERIFY(rf::generate(*f.model, {}, greedy_options(4, true)).empty());
    const auto out = rf::generate(*f.model, {{1, 2}}, greedy_options(0, true));
    QCOMPARE(out[0].tokens.size(), size_t(0));
    QCOMPARE(out[0].finish_reason, std::string("length"));
  }
};

RF_TEST_SUITE(TestGenerate);
#include "test_generate.moc"
