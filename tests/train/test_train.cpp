// Training primitives (core/train): chunked log-probabilities and their gradients against the naive
// full-logits computation and the HF fixtures, AdamW against a scalar reference, schedules, clipping,
// accumulation, the autocast guard, checkpoint folders (atomic write, save_total_limit), LoRA (attach, train, merge, PEFT save/load) and a tiny model
// that overfits a few sentences.
#include "model/safetensors.h"
#include "model/transformer.h"
#include "support/fixtures.h"
#include "train/adamw.h"
#include "train/autocast.h"
#include "train/checkpoint_dir.h"
#include "util/cpu_threads.h"
#include "train/grad_accumulation.h"
#include "train/grad_clip.h"
#include "train/lora_train.h"
#include "train/lr_schedule.h"
#include "train/shared_prefix.h"
#include "train/token_logprobs.h"
#include "util/error.h"
#include "util/file_io.h"

#include <ATen/CPUGeneratorImpl.h>
#include <QtTest/QtTest>

#include <cmath>
#include <filesystem>
#include <set>

using rf::test::fixture_json;
using rf::test::fixture_path;
using rf::test::json_ids_tensor;
using rf::test::json_to_tensor;
using rf::test::max_abs_diff;

namespace {

// max |a - b| / max |b|: the relative error of a gradient as a whole.
double rel_diff(const at::Tensor& a, const at::Tensor& b) {
  const double scale = b.abs().max().item<double>();
  return max_abs_diff(a, b) / std::max(scale, 1e-30);
}

rf::ModelConfig tiny_config(int64_t vocab = 64, int64_t hidden = 64, int64_t layers = 2, bool tied = false) {
  nlohmann::json j = {{"model_type", "llama"},      {"vocab_size", vocab},        {"hidden_size", hidden},
                      {"intermediate_size", 2 * hidden}, {"num_hidden_layers", layers}, {"num_attention_heads", 4},
                      {"num_key_value_heads", 2},   {"max_position_embeddings", 128}, {"rope_theta", 10000.0},
                      {"rms_norm_eps", 1e-6},       {"tie_word_embeddings", tied}};
  return rf::model_config_from_json(j, "tiny");
}

at::Tensor random_ids(int64_t B, int64_t T, int64_t vocab, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::randint(vocab, {B, T}, gen, at::kLong);
}

// The naive reference: full (N, V) logits, log_softmax, gather.
at::Tensor naive_logprobs(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& targets, double temp) {
  at::Tensor logits = at::matmul(hidden, weight.t()) / temp;
  return at::log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1);
}

at::Tensor naive_masked_ce(rf::Transformer& m, const at::Tensor& ids, const at::Tensor& mask) {
  const int64_t T = ids.size(1);
  at::Tensor logits = m.forward({ids, {}, at::ones(ids.sizes(), at::kLong)});  // (B, T, V)
  at::Tensor lp = at::log_softmax(logits.narrow(1, 0, T - 1), -1).gather(-1, ids.narrow(1, 1, T - 1).unsqueeze(-1)).squeeze(-1);
  at::Tensor w = mask.narrow(1, 1, T - 1).to(at::kFloat);
  return -(lp * w).sum() / w.sum();
}

std::map<std::string, at::Tensor> grads_of(rf::Transformer& m) {
  std::map<std::string, at::Tensor> g;
  for (auto& [n, p] : m.named_parameters())
    if (p.grad().defined()) g[n] = p.grad().clone();
  return g;
}

void zero_grads(rf::Transformer& m) {
  for (auto& [n, p] : m.named_parameters()) p.mutable_grad() = at::Tensor();
}

template <typename F>
void expect_error(F&& f, const std::string& needle) {
  try {
    f();
    QFAIL(("expected an rf::Error containing: " + needle).c_str());
  } catch (const rf::Error& e) {
    QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
  }
}

}  // namespace

class TestTrain : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // --- chunked log-probabilities -------------------------------------------------------------------

  void logprobs_match_fixture_data() {
    QTest::addColumn<QString>("arch");
    QTest::addColumn<int>("chunk");
    for (const char* arch : {"qwen2", "qwen3", "llama"}) {
      QTest::newRow((std::string(arch) + "/chunk 3").c_str()) << arch << 3;
      QTest::newRow((std::string(arch) + "/auto").c_str()) << arch << 0;
    }
  }
  void logprobs_match_fixture() {
    QFETCH(QString, arch);
    QFETCH(int, chunk);
    const std::string dir = fixture_path("hf-parity/" + arch.toStdString());
    const nlohmann::json ref = fixture_json("hf-parity/" + arch.toStdString() + "/reference.json");
    auto model = rf::Transformer::load(dir);
    for (size_t p = 0; p < ref["input_ids"].size(); ++p) {
      at::Tensor ids = json_ids_tensor(ref["input_ids"][p]);
      rf::TokenLogprobs r = rf::token_logprobs(*model, ids, {}, {}, 1.0, chunk, true);
      QCOMPARE(r.logprobs.sizes(), at::IntArrayRef({1, ids.size(1) - 1}));
      const double d = max_abs_diff(r.logprobs[0], json_to_tensor(ref["next_token_logprobs"][p]));
      QVERIFY2(d <= 1e-4, qPrintable(QString("log-probs differ by %1").arg(d)));
      if (chunk == 3) QCOMPARE(r.chunks, (ids.size(1) - 1 + 2) / 3);
      // Entropy of the same distributions from the full logits.
      at::NoGradGuard ng;
      at::Tensor full = model->forward({ids})[0].narrow(0, 0, ids.size(1) - 1);
      at::Tensor logp = at::log_softmax(full, -1);
      at::Tensor entropy = -(logp.exp() * logp).sum(-1);
      QVERIFY(max_abs_diff(r.entropy[0], entropy) <= 1e-4);
    }
  }

  void logprobs_with_padding_and_temperature() {
    auto model = rf::Transformer::load(fixture_path("hf-parity/qwen2"));
    at::NoGradGuard no_grad;
    // Left-padded batch: row 1 has two pad positions.
    at::Tensor ids = random_ids(2, 9, 500, 7);
    at::Tensor mask = at::ones({2, 9}, at::kLong);
    mask[1][0] = 0;
    mask[1][1] = 0;
    at::Tensor pos = (mask.cumsum(1) - 1).clamp_min(0);
    rf::TokenLogprobs r = rf::token_logprobs(*model, ids, mask, pos, 0.7, 4, true);
    at::Tensor hidden = model->forward_hidden({ids, pos, mask});
    at::Tensor ref = naive_logprobs(hidden.narrow(1, 0, 8), model->lm_head(), ids.narrow(1, 1, 8), 0.7);
    QVERIFY(max_abs_diff(r.logprobs, ref) <= 1e-5);
  }

  void chunked_gradients_match_naive_data() {
    QTest::addColumn<double>("temperature");
    QTest::addColumn<int>("chunk");
    QTest::newRow("T=1, chunk 7") << 1.0 << 7;
    QTest::newRow("T=0.6, chunk 16") << 0.6 << 16;
    QTest::newRow("T=1.3, one chunk") << 1.3 << 0;
  }
  void chunked_gradients_match_naive() {
    QFETCH(double, temperature);
    QFETCH(int, chunk);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
    const int64_t N = 45, C = 24, V = 300;
    at::Tensor h0 = at::randn({N, C}, gen, at::kFloat), w0 = at::randn({V, C}, gen, at::kFloat) * 0.3;
    at::Tensor targets = at::randint(V, {N}, gen, at::kLong);
    at::Tensor g = at::randn({N}, gen, at::kFloat);  // upstream gradient (like advantages)

    at::Tensor h1 = h0.clone().set_requires_grad(true), w1 = w0.clone().set_requires_grad(true);
    rf::ChunkedLogprobs c = rf::chunked_token_logprobs(h1, w1, targets, temperature, chunk, true);
    (c.logprobs * g).sum().backward();

    at::Tensor h2 = h0.clone().set_requires_grad(true), w2 = w0.clone().set_requires_grad(true);
    at::Tensor ref = naive_logprobs(h2, w2, targets, temperature);
    (ref * g).sum().backward();

    QVERIFY(max_abs_diff(c.logprobs, ref) <= 1e-5);
    const double dh = rel_diff(h1.grad(), h2.grad()), dw = rel_diff(w1.grad(), w2.grad());
    QVERIFY2(dh <= 1e-5, qPrintable(QString("grad hidden rel diff %1").arg(dh)));
    QVERIFY2(dw <= 1e-5, qPrintable(QString("grad weight rel diff %1").arg(dw)));
    QVERIFY(!c.entropy.requires_grad());
  }

  void cross_entropy_gradients_match_naive_data() {
    QTest::addColumn<int>("chunk");
    QTest::newRow("chunk 5") << 5;
    QTest::newRow("auto") << 0;
  }
  void cross_entropy_gradients_match_naive() {
    // The summed cross-entropy finishes its gradients in forward; they must equal the naive ones.
    QFETCH(int, chunk);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(12);
    const int64_t B = 3, T = 9, C = 16, V = 200;
    at::Tensor h0 = at::randn({B, T, C}, gen, at::kFloat), w0 = at::randn({V, C}, gen, at::kFloat) * 0.3;
    at::Tensor ids = at::randint(V, {B, T}, gen, at::kLong);
    at::Tensor mask = at::ones({B, T}, at::kLong);
    mask[0].narrow(0, 0, 4).zero_();
    mask[2][8] = 0;
    at::Tensor h1 = h0.clone().set_requires_grad(true), w1 = w0.clone().set_requires_grad(true);
    rf::CrossEntropy ce = rf::masked_cross_entropy_from_hidden(h1, w1, ids, mask, chunk);
    (ce.loss * 3.0).backward();  // a non-unit upstream gradient
    at::Tensor h2 = h0.clone().set_requires_grad(true), w2 = w0.clone().set_requires_grad(true);
    at::Tensor lp = naive_logprobs(h2.narrow(1, 0, T - 1), w2, ids.narrow(1, 1, T - 1), 1.0);
    at::Tensor m = mask.narrow(1, 1, T - 1).to(at::kFloat);
    at::Tensor ref = -(lp * m).sum() / m.sum();
    (ref * 3.0).backward();
    QCOMPARE(ce.tokens, m.sum().item<int64_t>());
    QVERIFY(std::abs(ce.loss.item<double>() - ref.item<double>()) <= 1e-5);
    QVERIFY(rel_diff(h1.grad(), h2.grad()) <= 1e-5);
    QVERIFY(rel_diff(w1.grad(), w2.grad()) <= 1e-5);
    // Only one of the two needing a gradient.
    at::Tensor h3 = h0.clone().set_requires_grad(true);
    rf::masked_cross_entropy_from_hidden(h3, w0, ids, mask, chunk).loss.mul(3.0).backward();
    QVERIFY(rel_diff(h3.grad(), h2.grad()) <= 1e-5);
  }

  void end_to_end_gradients_match_naive_data() {
    QTest::addColumn<QString>("arch");
    QTest::newRow("llama (untied)") << "llama";
    QTest::newRow("qwen2 (tied, bias)") << "qwen2";
    QTest::newRow("qwen3 (qk norm)") << "qwen3";
  }
  void end_to_end_gradients_match_naive() {
    QFETCH(QString, arch);
    auto model = rf::Transformer::load(fixture_path("hf-parity/" + arch.toStdString()));
    model->set_requires_grad(true);
    model->set_training(true);
    at::Tensor ids = random_ids(2, 10, 500, 3);
    at::Tensor mask = at::ones({2, 10}, at::kLong);
    mask.narrow(1, 0, 4).zero_();  // the first 4 tokens are "prompt"
    mask[1][9] = 0;

    rf::CrossEntropy ce = rf::masked_cross_entropy(*model, ids, mask, {}, {}, 5);
    QCOMPARE(ce.tokens, int64_t(11));
    ce.loss.backward();
    auto chunked = grads_of(*model);
    zero_grads(*model);
    at::Tensor naive = naive_masked_ce(*model, ids, mask);
    naive.backward();
    auto ref = grads_of(*model);
    QVERIFY(std::abs(ce.loss.item<double>() - naive.item<double>()) <= 1e-5);
    QCOMPARE(chunked.size(), ref.size());
    for (const char* name : {"model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
                             "model.layers.1.mlp.down_proj.weight", "model.norm.weight"}) {
      QVERIFY2(chunked.count(name), name);
      const double d = rel_diff(chunked[name], ref[name]);
      QVERIFY2(d <= 1e-5, qPrintable(QString("%1: rel diff %2").arg(name).arg(d)));
    }
    if (chunked.count("lm_head.weight")) QVERIFY(rel_diff(chunked["lm_head.weight"], ref["lm_head.weight"]) <= 1e-5);
  }

  void chunking_bounds_memory() {
    // V = 16384: the naive version would keep an (N, V) float32 tensor (64 MB here) for backward.
    const int64_t N = 1024, C = 32, V = 16384, chunk = 128;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(5);
    at::Tensor h = at::randn({N, C}, gen, at::kFloat).set_requires_grad(true);
    at::Tensor w = (at::randn({V, C}, gen, at::kFloat) * 0.1).set_requires_grad(true);
    at::Tensor targets = at::randint(V, {N}, gen, at::kLong);
    rf::ChunkedLogprobs c = rf::chunked_token_logprobs(h, w, targets, 1.0, chunk);
    const int64_t full_logits = N * V * 4;
    QCOMPARE(c.chunks, N / chunk);
    QCOMPARE(c.chunk_logits_bytes, chunk * V * 4);
    QVERIFY(c.saved_bytes == N * C * 4 + N * 8 + N * 4);  // hidden, targets, logsumexp
    QVERIFY(c.saved_bytes * 100 < full_logits);
    QVERIFY(c.chunk_logits_bytes * 8 <= full_logits);
    c.logprobs.sum().backward();
    QVERIFY(h.grad().defined() && w.grad().defined());
    // Automatic chunking keeps a chunk at ~4M logits (16 MB) whatever N is.
    QCOMPARE(rf::logprob_chunk_auto(151936, 100000), int64_t(27));
    QCOMPARE(rf::logprob_chunk_auto(4096, 100000), int64_t(1024));
    QCOMPARE(rf::logprob_chunk_auto(4096, 100), int64_t(100));
  }

  void cross_entropy_edge_cases() {
    auto model = rf::Transformer::random(tiny_config(), 1);
    model->set_requires_grad(true);
    at::Tensor ids = random_ids(2, 6, 64, 2);
    // No target tokens: loss 0 that still backpropagates (adds nothing).
    rf::CrossEntropy none = rf::masked_cross_entropy(*model, ids, at::zeros({2, 6}, at::kLong));
    QCOMPARE(none.tokens, int64_t(0));
    QCOMPARE(none.loss.item<double>(), 0.0);
    none.loss.backward();
    // Every token: equals the mean of -token_logprobs.
    rf::CrossEntropy all = rf::masked_cross_entropy(*model, ids, at::ones({2, 6}, at::kLong));
    at::NoGradGuard ng;
    rf::TokenLogprobs lp = rf::token_logprobs(*model, ids, {}, {});
    QVERIFY(std::abs(all.loss.item<double>() + lp.logprobs.mean().item<double>()) <= 1e-6);
    QCOMPARE(all.tokens, int64_t(10));
    expect_error([&] { rf::masked_cross_entropy(*model, ids, at::ones({2, 5}, at::kLong)); }, "loss_mask must be (2, 6)");
    expect_error([&] { rf::token_logprobs(*model, ids, {}, {}, 0.0); }, "temperature");
    expect_error([&] { rf::chunked_token_logprobs(at::zeros({2, 64}), model->lm_head(), at::tensor({1, 64}, at::kLong)); },
                 "target id 64 is outside the vocabulary");
  }

  // --- prompts shared by several completions (GRPO groups) --------------------------------------------

  // The reference: every row alone as [prompt | completion] (no padding, no cache), the hidden state at
  // each position that predicts a completion token. Shared-prompt states and gradients must match it.
  void shared_prefix_matches_rows_alone_data() {
    QTest::addColumn<QList<int>>("prompt_lengths");
    QTest::addColumn<QList<int>>("row_prompt");
    QTest::addColumn<QList<int>>("completion_lengths");
    QTest::addColumn<bool>("tied");
    QTest::newRow("one prompt, four completions") << QList<int>{7} << QList<int>{0, 0, 0, 0} << QList<int>{3, 5, 1, 4} << false;
    QTest::newRow("two prompts of other lengths") << QList<int>{5, 9} << QList<int>{0, 0, 0, 1, 1, 1}
                                                  << QList<int>{4, 1, 7, 2, 3, 6} << false;
    QTest::newRow("an empty completion, tied head") << QList<int>{6, 2} << QList<int>{0, 1, 0, 1}
                                                     << QList<int>{3, 0, 2, 5} << true;
  }

  void shared_prefix_matches_rows_alone() {
    QFETCH(QList<int>, prompt_lengths);
    QFETCH(QList<int>, row_prompt);
    QFETCH(QList<int>, completion_lengths);
    QFETCH(bool, tied);
    auto model = rf::Transformer::random(tiny_config(64, 64, 2, tied), 5);
    model->set_requires_grad(true);
    std::vector<std::vector<int64_t>> prompts, completions;
    for (int i = 0; i < prompt_lengths.size(); ++i) {
      at::Tensor t = random_ids(1, prompt_lengths[i], 64, 10 + i);
      prompts.emplace_back(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
    }
    for (int i = 0; i < completion_lengths.size(); ++i) {
      at::Tensor t = random_ids(1, std::max(completion_lengths[i], 1), 64, 20 + i);
      completions.emplace_back(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + completion_lengths[i]);
    }
    // Reference, row by row.
    std::vector<at::Tensor> ref_parts;
    for (int r = 0; r < row_prompt.size(); ++r) {
      const auto& p = prompts[static_cast<size_t>(row_prompt[r])];
      const auto& c = completions[static_cast<size_t>(r)];
      if (c.empty()) continue;
      std::vector<int64_t> ids = p;
      ids.insert(ids.end(), c.begin(), c.end());
      rf::ForwardBatch fb;
      fb.input_ids = at::tensor(ids, at::kLong).view({1, -1});
      const at::Tensor hidden = model->forward_hidden(fb);  // (1, P + L, C)
      ref_parts.push_back(hidden[0].narrow(0, static_cast<int64_t>(p.size()) - 1, static_cast<int64_t>(c.size())));
    }
    const at::Tensor ref = at::cat(ref_parts, 0);  // (M, C)
    std::vector<const std::vector<int64_t>*> pp, cp;
    for (const auto& p : prompts) pp.push_back(&p);
    for (const auto& c : completions) cp.push_back(&c);
    std::vector<int64_t> rp(row_prompt.begin(), row_prompt.end());
    const rf::SharedPrefixRows rows = rf::shared_prefix_rows_make(pp, rp, cp, 0, at::kCPU);
    QCOMPARE(rows.prompts, int64_t(prompt_lengths.size()));
    const at::Tensor got = rf::shared_prefix_hidden(*model, rows);
    QCOMPARE(got.sizes(), ref.sizes());
    QVERIFY2(at::allclose(got, ref, 1e-5, 1e-5), "hidden states differ from the rows run alone");

    // Gradients of the same scalar through both paths.
    const at::Tensor probe = at::randn(ref.sizes(), at::make_generator<at::CPUGeneratorImpl>(3));
    auto grads = [&](const at::Tensor& h) {
      for (auto& [name, w] : model->named_parameters())
        if (w.grad().defined()) w.mutable_grad().zero_();
      (h * probe).sum().backward(at::Tensor(), true);
      std::vector<at::Tensor> g;
      for (auto& [name, w] : model->named_parameters()) g.push_back(w.grad().defined() ? w.grad().clone() : at::zeros_like(w));  // lm_head: unused
      return g;
    };
    const std::vector<at::Tensor> g_ref = grads(ref), g_got = grads(got);
    QCOMPARE(g_got.size(), g_ref.size());
    // float32 summation order differs (G rows' gradients meet in one prompt pass): compare each
    // parameter's gradient against its own scale (the largest entries reach ~200 here).
    for (size_t i = 0; i < g_ref.size(); ++i) {
      const double diff = (g_got[i] - g_ref[i]).abs().max().item<double>(), scale = g_ref[i].abs().max().item<double>();
      QVERIFY2(diff <= 1e-5 * scale + 1e-6, model->named_parameters()[i].first.c_str());
    }
  }

  void shared_prefix_rejects_bad_rows() {
    const std::vector<int64_t> p = {1, 2}, empty, c = {3};
    expect_error([&] { rf::shared_prefix_rows_make({&empty}, {0}, {&c}, 0, at::kCPU); }, "empty prompt");
    expect_error([&] { rf::shared_prefix_rows_make({&p}, {1}, {&c}, 0, at::kCPU); }, "row 0 names prompt 1");
    expect_error([&] { rf::shared_prefix_rows_make({&p}, {0, 0}, {&c}, 0, at::kCPU); }, "one completion per row");
  }

  // --- AdamW ---------------------------------------------------------------------------------------

  void adamw_matches_scalar_reference() {
    // f(x) = sum_i 0.5 a_i (x_i - c_i)^2 over two parameters (a matrix and a vector); grad = a (x - c).
    std::vector<double> x0 = {0.5, -1.0, 2.0, 0.25, 3.0, -0.75}, a = {1.0, 2.0, 0.5, 4.0, 1.5, 3.0},
                        c = {0.0, 1.0, -1.0, 0.5, 1.0, 0.0};
    rf::AdamWOptions o;
    o.lr = 0.05;
    o.beta1 = 0.8;
    o.beta2 = 0.95;
    o.eps = 1e-6;
    o.weight_decay = 0.1;
    const std::vector<double> lrs = {0.05, 0.05, 0.03, 0.02, 0.01};

    at::Tensor w = at::tensor(std::vector<double>(x0.begin(), x0.begin() + 4), at::kDouble).view({2, 2});
    at::Tensor v = at::tensor(std::vector<double>(x0.begin() + 4, x0.end()), at::kDouble);
    w.set_requires_grad(true);
    v.set_requires_grad(true);
    at::Tensor A = at::tensor(a, at::kDouble), Cc = at::tensor(c, at::kDouble);
    rf::AdamW opt({{"w", w}, {"v", v}}, o);
    for (double lr : lrs) {
      at::Tensor x = at::cat({w.view({-1}), v});
      (0.5 * A * (x - Cc).pow(2)).sum().backward();
      opt.step(lr);
      opt.zero_grad();
    }
    // Scalar reference, written from the algorithm's definition.
    std::vector<double> x = x0, m(6, 0.0), s(6, 0.0);
    for (size_t t = 1; t <= lrs.size(); ++t) {
      const double lr = lrs[t - 1];
      for (int i = 0; i < 6; ++i) {
        const double g = a[i] * (x[i] - c[i]);
        x[i] *= 1.0 - lr * o.weight_decay;
        m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
        s[i] = o.beta2 * s[i] + (1 - o.beta2) * g * g;
        const double mhat = m[i] / (1 - std::pow(o.beta1, t)), shat = s[i] / (1 - std::pow(o.beta2, t));
        x[i] -= lr * mhat / (std::sqrt(shat) + o.eps);
      }
    }
    at::Tensor got = at::cat({w.detach().view({-1}), v.detach()});
    for (int i = 0; i < 6; ++i) QVERIFY2(std::abs(got[i].item<double>() - x[i]) <= 1e-12, qPrintable(QString::number(i)));
    QCOMPARE(opt.state(0).step, int64_t(5));
    QCOMPARE(opt.steps_taken(), int64_t(5));
  }

  void adamw_first_step_by_hand() {
    // Step 1 with bias correction moves every coordinate by lr * sign(g) (|m_hat| / sqrt(v_hat) = 1), after decay.
    at::Tensor p = at::tensor({1.0f, -2.0f, 3.0f}).set_requires_grad(true);
    rf::AdamWOptions o;
    o.weight_decay = 0.5;
    o.eps = 1e-12;
    rf::AdamW opt({{"p", p}}, o);
    p.mutable_grad() = at::tensor({0.3f, -4.0f, 1e-3f});
    opt.step(0.1);
    // 1 * (1 - 0.05) - 0.1 = 0.85;  -2 * 0.95 + 0.1 = -1.8;  3 * 0.95 - 0.1 = 2.75
    QVERIFY(std::abs(p[0].item<double>() - 0.85) <= 1e-6);
    QVERIFY(std::abs(p[1].item<double>() + 1.8) <= 1e-6);
    QVERIFY(std::abs(p[2].item<double>() - 2.75) <= 1e-6);
  }

  void adamw_state_round_trip() {
    auto make = [] {
      at::Tensor p = at::linspace(-1, 1, 6, at::kFloat).view({2, 3}).set_requires_grad(true);
      at::Tensor q = at::tensor({0.5f, 0.25f}).set_requires_grad(true);
      return std::make_pair(p, q);
    };
    auto loss = [](const at::Tensor& p, const at::Tensor& q) { return (p.pow(2).sum() * q.sum()).sin() + q.pow(3).sum(); };
    auto [p1, q1] = make();
    rf::AdamW a({{"p", p1}, {"q", q1}});
    for (int i = 0; i < 3; ++i) {
      loss(p1, q1).backward();
      a.step(0.01);
      a.zero_grad();
    }
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("optimizer.safetensors").toStdString();
    a.save(path);
    auto [p2, q2] = make();
    {
      at::NoGradGuard ng;
      p2.copy_(p1);
      q2.copy_(q1);
    }
    rf::AdamW b({{"p", p2}, {"q", q2}});
    b.load(path);
    QCOMPARE(b.steps_taken(), int64_t(3));
    for (int i = 0; i < 2; ++i) {
      loss(p1, q1).backward();
      a.step(0.01);
      a.zero_grad();
      loss(p2, q2).backward();
      b.step(0.01);
      b.zero_grad();
    }
    QVERIFY(at::equal(p1, p2) && at::equal(q1, q2));

    // Bad state: names the tensor.
    rf::NamedTensors bad = a.state_tensors();
    for (auto& [n, t] : bad)
      if (n == "p.exp_avg") t = at::zeros({3, 2});
    expect_error([&] { b.load_state_tensors(bad); }, "'p.exp_avg' has shape [3, 2]");
    rf::NamedTensors missing;
    for (auto& [n, t] : a.state_tensors())
      if (n != "q.exp_avg_sq") missing.emplace_back(n, t);
    expect_error([&] { b.load_state_tensors(missing); }, "missing tensor 'q.exp_avg_sq'");
    rf::NamedTensors unknown = a.state_tensors();
    unknown.emplace_back("r.exp_avg", at::zeros({1}));
    expect_error([&] { b.load_state_tensors(unknown); }, "'r.exp_avg' names no parameter");
  }

  void adamw_skips_parameters_without_grad() {
    at::Tensor p = at::ones({3}).set_requires_grad(true), q = at::ones({2}).set_requires_grad(true);
    rf::AdamW opt({{"p", p}, {"q", q}});
    p.sum().backward();
    opt.step(0.1);
    QVERIFY(at::equal(q, at::ones({2})));
    QCOMPARE(opt.state(1).step, int64_t(0));
    QVERIFY(!opt.state(1).exp_avg.defined());
  }

  // --- checkpoint folders ----------------------------------------------------------------------------

  // save_total_limit: keeps the `keep` highest steps (by number, not by name: checkpoint-10 is newer than
  // checkpoint-9), removes the rest but those spared (another run's model), and never touches half-written
  // (.tmp / .old) or foreign folders.
  void checkpoint_prune_keeps_the_newest_data() {
    QTest::addColumn<int>("keep");
    QTest::addColumn<QStringList>("spare");
    QTest::addColumn<QStringList>("left");
    QTest::addColumn<QStringList>("removed");
    const QString all = "checkpoint-2 checkpoint-9 checkpoint-10 checkpoint-11.tmp checkpoint-8.old checkpoint-best model";
    QTest::newRow("keep 0: everything stays") << 0 << QStringList{} << all.split(' ') << QStringList{};
    QTest::newRow("keep 1") << 1 << QStringList{} << QString("checkpoint-10 checkpoint-11.tmp checkpoint-8.old checkpoint-best model").split(' ')
                            << QStringList{"checkpoint-2", "checkpoint-9"};
    QTest::newRow("keep 2") << 2 << QStringList{} << QString("checkpoint-9 checkpoint-10 checkpoint-11.tmp checkpoint-8.old checkpoint-best model").split(' ')
                            << QStringList{"checkpoint-2"};
    QTest::newRow("keep more than there are") << 5 << QStringList{} << all.split(' ') << QStringList{};
    // Another run's model: spared besides the newest, whether named with a trailing slash or through "..".
    QTest::newRow("keep 1, checkpoint-2 spared") << 1 << QStringList{"checkpoint-2/"}
                                                 << QString("checkpoint-2 checkpoint-10 checkpoint-11.tmp checkpoint-8.old checkpoint-best model").split(' ')
                                                 << QStringList{"checkpoint-9"};
    QTest::newRow("keep 1, checkpoint-9 spared") << 1 << QStringList{"model/../checkpoint-9"}
                                                 << QString("checkpoint-9 checkpoint-10 checkpoint-11.tmp checkpoint-8.old checkpoint-best model").split(' ')
                                                 << QStringList{"checkpoint-2"};
  }

  void checkpoint_prune_keeps_the_newest() {
    QFETCH(int, keep);
    QFETCH(QStringList, spare);
    QFETCH(QStringList, left);
    QFETCH(QStringList, removed);
    QTemporaryDir dir;
    const std::filesystem::path root(dir.path().toStdString());
    for (const char* name : {"checkpoint-2", "checkpoint-9", "checkpoint-10", "checkpoint-11.tmp", "checkpoint-8.old", "checkpoint-best", "model"}) {
      std::filesystem::create_directories(root / name);
      rf::file_write_atomic((root / name / "trainer_state.json").string(), "{}");
    }
    std::vector<std::string> expect_removed;
    for (const QString& r : removed) expect_removed.push_back((root / r.toStdString()).string());
    std::set<std::string> spared;
    for (const QString& p : spare) spared.insert((root / p.toStdString()).string());
    QCOMPARE(rf::checkpoint_dirs_prune(root.string(), keep, spared), expect_removed);
    QStringList now;
    for (const auto& e : std::filesystem::directory_iterator(root)) now << QString::fromStdString(e.path().filename().string());
    now.sort();
    left.sort();
    QCOMPARE(now, left);
    QVERIFY(rf::checkpoint_dirs_prune((root / "missing").string(), 1).empty());
  }

  // --- schedules -----------------------------------------------------------------------------------

  void lr_schedules_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("step");
    QTest::addColumn<double>("expected");
    // base 1e-3, warm-up 10, total 110, min ratio 0.1 (cosine/linear)
    QTest::newRow("constant 0") << "constant" << 0 << 1e-3;
    QTest::newRow("constant 500") << "constant" << 500 << 1e-3;
    QTest::newRow("warmup 0") << "constant_with_warmup" << 0 << 0.0;
    QTest::newRow("warmup 5") << "constant_with_warmup" << 5 << 0.5e-3;
    QTest::newRow("warmup 10") << "constant_with_warmup" << 10 << 1e-3;
    QTest::newRow("warmup 1000") << "constant_with_warmup" << 1000 << 1e-3;
    QTest::newRow("cosine 0") << "cosine" << 0 << 0.0;
    QTest::newRow("cosine 1") << "cosine" << 1 << 1e-4;
    QTest::newRow("cosine 10 (peak)") << "cosine" << 10 << 1e-3;
    // progress 0.5: factor 0.1 + 0.9 * 0.5 = 0.55
    QTest::newRow("cosine 60 (half)") << "cosine" << 60 << 0.55e-3;
    // progress 0.25: 0.1 + 0.9 * 0.5 * (1 + cos(pi/4)) = 0.1 + 0.45 * 1.70710678 = 0.868198052
    QTest::newRow("cosine 35") << "cosine" << 35 << 0.868198052e-3;
    QTest::newRow("cosine 110 (end)") << "cosine" << 110 << 0.1e-3;
    QTest::newRow("cosine 200 (past end)") << "cosine" << 200 << 0.1e-3;
    QTest::newRow("linear 5") << "linear" << 5 << 0.5e-3;
    QTest::newRow("linear 10") << "linear" << 10 << 1e-3;
    QTest::newRow("linear 60") << "linear" << 60 << 0.55e-3;  // 0.1 + 0.9 * 0.5
    QTest::newRow("linear 85") << "linear" << 85 << 0.325e-3;  // 0.1 + 0.9 * 0.25
    QTest::newRow("linear 110") << "linear" << 110 << 0.1e-3;
  }
  void lr_schedules() {
    QFETCH(QString, kind);
    QFETCH(int, step);
    QFETCH(double, expected);
    rf::LrSchedule s;
    s.kind = rf::lr_schedule_kind_from_string(kind.toStdString());
    s.base_lr = 1e-3;
    s.warmup_steps = 10;
    s.total_steps = 110;
    s.min_lr_ratio = 0.1;
    rf::lr_schedule_validate(s);
    const double got = rf::lr_at(s, step);
    QVERIFY2(std::abs(got - expected) <= 1e-12, qPrintable(QString("lr %1, expected %2").arg(got).arg(expected)));
    QCOMPARE(rf::lr_schedule_kind_name(s.kind), kind.toStdString());
  }

  void lr_schedule_errors() {
    expect_error([] { rf::lr_schedule_kind_from_string("warmup_cosine", "trainer.lr_scheduler_type"); },
                 "trainer.lr_scheduler_type: unknown schedule 'warmup_cosine'");
    rf::LrSchedule s;
    s.kind = rf::LrScheduleKind::cosine;
    s.warmup_steps = 10;
    s.total_steps = 5;
    expect_error([&] { rf::lr_schedule_validate(s); }, "total_steps (5) must be >= warmup_steps (10)");
    s.total_steps = 20;
    s.min_lr_ratio = 1.5;
    expect_error([&] { rf::lr_schedule_validate(s); }, "min_lr_ratio");
    // Cosine without min ratio ends at 0 (HF's get_cosine_schedule_with_warmup).
    s.min_lr_ratio = 0;
    s.base_lr = 2.0;
    QVERIFY(std::abs(rf::lr_at(s, 20)) <= 1e-15);
    QVERIFY(std::abs(rf::lr_at(s, 15) - 1.0) <= 1e-12);
  }

  // --- clipping and accumulation -------------------------------------------------------------------

  void clip_grad_norm_scales_and_reports() {
    at::Tensor p = at::zeros({2}).set_requires_grad(true), q = at::zeros({1}).set_requires_grad(true);
    at::Tensor r = at::zeros({1}).set_requires_grad(true);  // no grad: ignored
    p.mutable_grad() = at::tensor({3.0f, 0.0f});
    q.mutable_grad() = at::tensor({4.0f});
    rf::GradNorm n = rf::clip_grad_norm({p, q, r}, 10.0);
    QCOMPARE(n.norm, 5.0);
    QVERIFY(n.finite && !n.clipped);
    QVERIFY(at::equal(p.grad(), at::tensor({3.0f, 0.0f})));
    n = rf::clip_grad_norm(std::vector<std::pair<std::string, at::Tensor>>{{"p", p}, {"q", q}}, 1.0);
    QCOMPARE(n.norm, 5.0);
    QVERIFY(n.clipped);
    QVERIFY(std::abs(p.grad()[0].item<double>() - 3.0 / (5.0 + 1e-6)) <= 1e-6);
    QVERIFY(std::abs(q.grad()[0].item<double>() - 4.0 / (5.0 + 1e-6)) <= 1e-6);
    // Only measuring.
    n = rf::clip_grad_norm({p, q}, 0.0);
    QVERIFY(std::abs(n.norm - 1.0) <= 1e-5 && !n.clipped);
    // NaN / inf: reported, gradients untouched.
    q.mutable_grad() = at::tensor({std::numeric_limits<float>::quiet_NaN()});
    at::Tensor before = p.grad().clone();
    n = rf::clip_grad_norm({p, q}, 1.0);
    QVERIFY(!n.finite && !n.clipped && std::isnan(n.norm));
    QVERIFY(at::equal(p.grad(), before));
    q.mutable_grad() = at::tensor({std::numeric_limits<float>::infinity()});
    QVERIFY(!rf::clip_grad_norm({p, q}, 1.0).finite);
  }

  void accumulated_grads_equal_full_batch() {
    auto model = rf::Transformer::random(tiny_config(), 4);
    model->set_requires_grad(true);
    at::Tensor ids = random_ids(4, 8, 64, 9);
    at::Tensor mask = at::ones({4, 8}, at::kLong);
    mask.narrow(1, 0, 3).zero_();

    rf::masked_cross_entropy(*model, ids, mask).loss.backward();
    auto full = grads_of(*model);
    zero_grads(*model);
    // Equal-sized micro-batches (same token count each): loss / k.
    const double loss = rf::accumulate_gradients(2, [&](int64_t i) {
      return rf::masked_cross_entropy(*model, ids.narrow(0, 2 * i, 2), mask.narrow(0, 2 * i, 2)).loss;
    });
    (void)loss;
    auto acc = grads_of(*model);
    for (auto& [n, g] : full) QVERIFY2(rel_diff(acc[n], g) <= 1e-5, n.c_str());

    // Uneven masks: token-weighted accumulation of summed losses.
    mask[0][7] = 0;
    mask[1].narrow(0, 3, 3).zero_();
    zero_grads(*model);
    rf::CrossEntropy whole = rf::masked_cross_entropy(*model, ids, mask);
    whole.loss.backward();
    full = grads_of(*model);
    zero_grads(*model);
    const int64_t total = mask.narrow(1, 1, 7).ne(0).sum().item<int64_t>();
    const double mean = rf::accumulate_gradients_token_sum(4, total, [&](int64_t i) {
      return rf::masked_cross_entropy(*model, ids.narrow(0, i, 1), mask.narrow(0, i, 1)).sum;
    });
    QVERIFY(std::abs(mean - whole.loss.item<double>()) <= 1e-5);
    acc = grads_of(*model);
    for (auto& [n, g] : full) QVERIFY2(rel_diff(acc[n], g) <= 1e-5, n.c_str());
  }

  void autocast_guard_is_noop_on_cpu() {
    rf::AutocastGuard guard(at::kCPU);
    QVERIFY(!guard.active());
    auto model = rf::Transformer::random(tiny_config(), 2);
    at::NoGradGuard ng;
    QCOMPARE(model->forward({random_ids(1, 4, 64, 1)}).scalar_type(), at::kFloat);
  }

  void cpu_threads_guard_restores() {
    const int before = at::get_num_threads();
    {
      rf::CpuThreadsGuard g(at::kCPU, 1);
      QCOMPARE(at::get_num_threads(), 1);
      QCOMPARE(g.info().intra_op_threads, 1);
      QCOMPARE(g.info().reason, std::string("requested"));
    }
    QCOMPARE(at::get_num_threads(), before);
    {
      rf::CpuThreadsGuard g(at::kCPU);  // auto: 1 or unchanged, never more
      QVERIFY(at::get_num_threads() <= before);
      QVERIFY(!g.info().reason.empty());
    }
    QCOMPARE(at::get_num_threads(), before);
  }

  void bf16_cross_entropy_close_to_float() {
    // bf16 weights: the chunked loss and gradients stay close to float32 arithmetic on the same weights.
    auto gen = at::make_generator<at::CPUGeneratorImpl>(31);
    const int64_t B = 2, T = 17, C = 32, V = 300;
    at::Tensor h0 = at::randn({B, T, C}, gen, at::kFloat).to(at::kBFloat16);
    at::Tensor w0 = (at::randn({V, C}, gen, at::kFloat) * 0.2).to(at::kBFloat16);
    at::Tensor ids = at::randint(V, {B, T}, gen, at::kLong);
    at::Tensor mask = at::ones({B, T}, at::kLong);
    at::Tensor h1 = h0.clone().set_requires_grad(true), w1 = w0.clone().set_requires_grad(true);
    rf::CrossEntropy ce = rf::masked_cross_entropy_from_hidden(h1, w1, ids, mask, 8);
    ce.loss.backward();
    QCOMPARE(h1.grad().scalar_type(), at::kBFloat16);
    QCOMPARE(w1.grad().scalar_type(), at::kBFloat16);
    at::Tensor h2 = h0.to(at::kFloat).set_requires_grad(true), w2 = w0.to(at::kFloat).set_requires_grad(true);
    rf::CrossEntropy ref = rf::masked_cross_entropy_from_hidden(h2, w2, ids, mask, 8);
    ref.loss.backward();
    QVERIFY(std::abs(ce.loss.item<double>() - ref.loss.item<double>()) <= 2e-2);
    QVERIFY(rel_diff(h1.grad(), h2.grad()) <= 3e-2);
    QVERIFY(rel_diff(w1.grad(), w2.grad()) <= 3e-2);
    rf::ChunkedLogprobs lp = rf::chunked_token_logprobs(h1.detach().view({B * T, C}), w1, ids.view({B * T}), 1.0, 8);
    lp.logprobs.sum().backward();
    QCOMPARE(lp.logprobs.scalar_type(), at::kFloat);
  }

  // --- LoRA ----------------------------------------------------------------------------------------

  void lora_attach_initialises_like_peft() {
    auto model = rf::Transformer::load(fixture_path("hf-parity/llama"));
    at::Tensor ids = random_ids(1, 8, 500, 1);
    at::Tensor base;
    {
      at::NoGradGuard ng;
      base = model->forward({ids});
    }
    rf::LoraConfig cfg;
    cfg.rank = 4;
    cfg.alpha = 8;
    cfg.target_modules = {"q_proj", "v_proj", "mlp.down_proj"};
    QCOMPARE(rf::lora_attach(*model, cfg, 42), int64_t(6));
    auto params = rf::lora_parameters(*model);
    QCOMPARE(params.size(), size_t(12));
    QCOMPARE(params[0].first, std::string("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
    QCOMPARE(params[1].first, std::string("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"));
    for (auto& [n, t] : params) QVERIFY(t.requires_grad());
    for (auto& [n, t] : model->named_parameters()) QVERIFY2(!t.requires_grad(), n.c_str());
    auto* q = model->named_linears()[0].second;
    QCOMPARE(q->lora->scale, 2.0);
    QCOMPARE(q->lora->a.sizes(), at::IntArrayRef({4, 64}));
    QVERIFY(q->lora->a.abs().max().item<double>() <= 1.0 / 8.0);  // 1 / sqrt(64)
    QVERIFY(q->lora->a.abs().max().item<double>() > 0.1);
    QVERIFY(q->lora->b.abs().max().item<double>() == 0.0);
    at::NoGradGuard ng;
    QVERIFY(at::equal(model->forward({ids}), base));  // B = 0: unchanged
    expect_error([&] { rf::lora_attach(*model, cfg, 1); }, "already has an adapter");
    rf::LoraConfig none;
    none.target_modules = {"c_attn"};
    expect_error([&] { rf::lora_attach(*model, none, 1); }, "target_modules [c_attn] match no linear layer");
    none.rank = 0;
    expect_error([&] { rf::lora_attach(*model, none, 1); }, "rank (r) must be >= 1");
  }

  void lora_training_merge_save_load() {
    const std::string dir = fixture_path("hf-parity/qwen2");  // tied embeddings, q/k/v bias
    auto model = rf::Transformer::load(dir);
    std::map<std::string, at::Tensor> base_weights;
    for (auto& [n, t] : model->named_parameters()) base_weights[n] = t.clone();
    at::Tensor ids = random_ids(2, 12, 500, 21);
    at::Tensor mask = at::ones({2, 12}, at::kLong);
    at::Tensor base_logits;
    {
      at::NoGradGuard ng;
      base_logits = model->forward({ids, {}, mask});
    }

    rf::LoraConfig cfg;
    cfg.rank = 4;
    cfg.alpha = 16;
    cfg.target_modules = {"q_proj", "v_proj", "o_proj", "up_proj"};
    rf::lora_attach(*model, cfg, 7);
    model->set_training(true);
    auto params = rf::lora_parameters(*model);
    std::map<std::string, at::Tensor> adapters0;
    for (auto& [n, t] : params) adapters0[n] = t.clone();
    rf::AdamWOptions o;
    o.lr = 1e-2;
    rf::AdamW opt(params, o);
    double first = 0, last = 0;
    for (int s = 0; s < 5; ++s) {
      rf::CrossEntropy ce = rf::masked_cross_entropy(*model, ids, mask);
      ce.loss.backward();
      for (auto& [n, t] : model->named_parameters()) QVERIFY2(!t.grad().defined(), n.c_str());
      opt.step();
      opt.zero_grad();
      (s == 0 ? first : last) = ce.loss.item<double>();
    }
    model->set_training(false);
    QVERIFY(last < first);
    for (auto& [n, t] : model->named_parameters()) QVERIFY2(at::equal(t, base_weights[n]), n.c_str());  // bit-identical
    for (auto& [n, t] : params) QVERIFY2(!at::equal(t, adapters0[n]), n.c_str());

    at::NoGradGuard ng;
    at::Tensor adapted = model->forward({ids, {}, mask});
    QVERIFY(max_abs_diff(adapted, base_logits) > 1e-3);
    // Disabled adapters = the base model.
    model->set_adapters_enabled(false);
    QVERIFY(at::equal(model->forward({ids, {}, mask}), base_logits));
    model->set_adapters_enabled(true);

    // PEFT save -> load into a fresh base model: identical logits.
    QTemporaryDir tmp;
    const std::string out = tmp.filePath("adapter").toStdString();
    rf::lora_save_peft(*model, out, {"tiny-qwen2"});
    const nlohmann::json c = nlohmann::json::parse(rf::file_read_all(out + "/adapter_config.json"));
    QCOMPARE(c["peft_type"].get<std::string>(), std::string("LORA"));
    QCOMPARE(c["r"].get<int>(), 4);
    QCOMPARE(c["lora_alpha"].get<double>(), 16.0);
    QCOMPARE(c["bias"].get<std::string>(), std::string("none"));
    QCOMPARE(c["task_type"].get<std::string>(), std::string("CAUSAL_LM"));
    QCOMPARE(c["base_model_name_or_path"].get<std::string>(), std::string("tiny-qwen2"));
    QCOMPARE(c["target_modules"].get<std::vector<std::string>>(),
             (std::vector<std::string>{"o_proj", "q_proj", "up_proj", "v_proj"}));
    rf::SafetensorsFile st(out + "/adapter_model.safetensors");
    QCOMPARE(st.entries().size(), size_t(16));
    QVERIFY(st.contains("base_model.model.model.layers.1.mlp.up_proj.lora_B.weight"));
    QCOMPARE(st.entry("base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight").shape,
             (std::vector<int64_t>{4, 64}));

    auto fresh = rf::Transformer::load(dir);
    rf::LoraConfig read = rf::lora_load_peft(*fresh, out);
    QCOMPARE(read.rank, int64_t(4));
    QVERIFY(at::equal(fresh->forward({ids, {}, mask}), adapted));

    // Merged weights give the adapted logits without adapters.
    QCOMPARE(rf::lora_merge(*model), int64_t(8));
    QVERIFY(rf::lora_parameters(*model).empty());
    const double d = max_abs_diff(model->forward({ids, {}, mask}), adapted);
    QVERIFY2(d <= 1e-5, qPrintable(QString("merged logits differ by %1").arg(d)));
  }

  void lora_load_errors_data() {
    QTest::addColumn<QString>("case_name");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing B") << "missing" << "missing tensor 'base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight'";
    QTest::newRow("wrong shape") << "shape" << "'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' has shape [4, 32]";
    QTest::newRow("unknown tensor") << "unknown" << "tensor 'base_model.model.lm_head.lora_A.weight' does not belong";
    QTest::newRow("peft_type") << "peft_type" << "field 'peft_type' must be \"LORA\"";
    QTest::newRow("bias") << "bias" << "field 'bias' must be \"none\"";
    QTest::newRow("rank") << "rank" << "field 'r' must be an integer >= 1";
    QTest::newRow("dora") << "dora" << "DoRA is not supported";
    QTest::newRow("no weights") << "noweights" << "no adapter_model.safetensors";
  }
  void lora_load_errors() {
    QFETCH(QString, case_name);
    QFETCH(QString, expected);
    const std::string c = case_name.toStdString();
    auto model = rf::Transformer::load(fixture_path("hf-parity/llama"));
    rf::LoraConfig cfg;
    cfg.rank = 4;
    rf::lora_attach(*model, cfg, 3);
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    rf::lora_save_peft(*model, dir);
    nlohmann::json config = nlohmann::json::parse(rf::file_read_all(dir + "/adapter_config.json"));
    if (c == "peft_type") config["peft_type"] = "PROMPT_TUNING";
    if (c == "bias") config["bias"] = "all";
    if (c == "rank") config["r"] = 0;
    if (c == "dora") config["use_dora"] = true;
    rf::file_write_atomic(dir + "/adapter_config.json", config.dump());
    if (c == "missing" || c == "shape" || c == "unknown") {
      rf::SafetensorsFile f(dir + "/adapter_model.safetensors");
      rf::NamedTensors kept;
      for (const auto& e : f.entries()) {
        at::Tensor t = f.tensor(e.name);
        if (c == "missing" && e.name.find("layers.1.self_attn.v_proj.lora_B") != std::string::npos) continue;
        if (c == "shape" && e.name == "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight") t = at::zeros({4, 32});
        kept.emplace_back(e.name, t);
      }
      if (c == "unknown") kept.emplace_back("base_model.model.lm_head.lora_A.weight", at::zeros({4, 64}));
      rf::safetensors_save(dir + "/adapter_model.safetensors", kept);
    }
    if (c == "noweights") std::filesystem::remove(dir + "/adapter_model.safetensors");
    auto target = rf::Transformer::load(fixture_path("hf-parity/llama"));
    try {
      rf::lora_load_peft(*target, dir);
      QFAIL("expected an error");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find(expected.toStdString()) != std::string::npos, e.what());
    }
    QVERIFY(rf::lora_parameters(*target).empty());  // nothing half-attached
  }

  // --- a tiny model learns ------------------------------------------------------------------------

  void tiny_model_overfits() {
    const std::vector<std::vector<int64_t>> sentences = {
        {1, 17, 23, 5, 42, 8, 30, 11, 60, 2, 9, 33},
        {3, 9, 9, 51, 7, 12, 30, 44, 21, 58, 6, 2},
        {4, 60, 59, 58, 57, 10, 20, 30, 40, 50, 61, 2},
        {6, 33, 12, 33, 12, 33, 19, 27, 8, 8, 14, 2},
    };
    const int64_t B = sentences.size(), T = sentences[0].size();
    at::Tensor ids = at::empty({B, T}, at::kLong);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t) ids[b][t] = sentences[b][t];
    at::Tensor mask = at::ones({B, T}, at::kLong);

    auto model = rf::Transformer::random(tiny_config(64, 64, 2), 123);
    model->set_requires_grad(true);
    model->set_training(true);
    rf::AdamWOptions o;
    o.lr = 3e-3;
    o.weight_decay = 0.0;
    rf::AdamW opt(model->named_parameters(), o);
    rf::LrSchedule sched{rf::LrScheduleKind::constant_with_warmup, 3e-3, 10, 300, 0.0};
    double loss = 1e9;
    int step = 0;
    for (; step < 300 && loss >= 0.02; ++step) {
      rf::CrossEntropy ce = rf::masked_cross_entropy(*model, ids, mask);
      ce.loss.backward();
      rf::GradNorm n = rf::clip_grad_norm(opt.parameters(), 1.0);
      QVERIFY(n.finite);
      opt.step(rf::lr_at(sched, step));
      opt.zero_grad();
      loss = ce.loss.item<double>();
    }
    model->set_training(false);
    QVERIFY2(loss < 0.05, qPrintable(QString("loss %1 after %2 steps").arg(loss).arg(step)));
    qInfo("tiny model: loss %.4f after %d steps", loss, step);

    // Greedy decoding from each sentence's first token reproduces the sentence.
    at::InferenceMode im;
    for (const auto& s : sentences) {
      std::vector<int64_t> seq = {s[0]};
      while (static_cast<int64_t>(seq.size()) < T) {
        at::Tensor logits = model->forward({at::tensor(seq, at::kLong).view({1, -1})});
        seq.push_back(logits[0][logits.size(1) - 1].argmax().item<int64_t>());
      }
      QCOMPARE(seq, s);
    }
  }
};

QTEST_GUILESS_MAIN(TestTrain)
#include "test_train.moc"
