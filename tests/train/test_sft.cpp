// The SFT trainer (core/train/sft_*): completion-only label masks on a hand-built chat example with the
// real Qwen3 tokenizer, left truncation, the loss against an independent mean NLL from token_logprobs,
// bucketing / packing using every example once, a tiny random model that learns a repeated example,
// atomic checkpoints that load back, JSONL errors naming file:line:field, and a step that runs out of
// memory stopping the run with a checkpoint and a message naming what to lower.
#include "model/transformer.h"
#include "support/fixtures.h"
#include "text/chat_format.h"
#include "text/tokenizer.h"
#include "train/lora_train.h"
#include "train/out_of_memory.h"
#include "train/sft_batches.h"
#include "train/sft_data.h"
#include "train/sft_trainer.h"
#include "train/token_logprobs.h"
#include "util/error.h"

#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include <unistd.h>

namespace fs = std::filesystem;
using rf::test::fixture_path;

namespace {

rf::ModelConfig tiny_config(int64_t vocab = 64, int64_t hidden = 64, int64_t layers = 2) {
  nlohmann::json j = {{"model_type", "llama"},      {"vocab_size", vocab},        {"hidden_size", hidden},
                      {"intermediate_size", 2 * hidden}, {"num_hidden_layers", layers}, {"num_attention_heads", 4},
                      {"num_key_value_heads", 2},   {"max_position_embeddings", 128}, {"rope_theta", 10000.0},
                      {"rms_norm_eps", 1e-6},       {"tie_word_embeddings", false}};
  return rf::model_config_from_json(j, "tiny");
}

QStringList split_tokens(const QString& s) { return s.split(','); }

std::string temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("recforge_test_sft_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

std::vector<int64_t> mask_of(const at::Tensor& t) {
  at::Tensor c = t.contiguous().to(at::kLong);
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

std::vector<uint8_t> mask_from_string(const QString& s) {
  std::vector<uint8_t> m;
  for (QChar c : s) m.push_back(c == '1' ? 1 : 0);
  return m;
}

rf::SftOptions small_options() {
  rf::SftOptions o;
  o.config.learning_rate = 1e-2;
  o.config.per_device_train_batch_size = 2;
  o.config.lr_scheduler_type = "constant";
  o.config.max_length = 64;
  o.config.save_steps = 0;
  o.seed = 7;
  return o;
}

}  // namespace

class TestSft : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // ChatML with Qwen3's tokenizer: "<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n" is 9 tokens,
  // the assistant turn "Hi<|im_end|>\n" is 3.
  void labelMask_data() {
    QTest::addColumn<int>("max_length");
    QTest::addColumn<bool>("completion_only");
    QTest::addColumn<QString>("tokens");
    QTest::addColumn<QString>("mask");
    const QString all = "<|im_start|>,user,\n,hello,<|im_end|>,\n,<|im_start|>,assistant,\n,Hi,<|im_end|>,\n";
    QTest::newRow("whole") << 64 << true << all << "000000000111";
    QTest::newRow("exactly fits") << 12 << true << all << "000000000111";
    QTest::newRow("prompt cut from the left") << 6 << true << "<|im_start|>,assistant,\n,Hi,<|im_end|>,\n" << "000111";
    QTest::newRow("completion alone too long") << 2 << true << "Hi,<|im_end|>" << "01";
    QTest::newRow("loss on every token") << 64 << false << all << "011111111111";
  }
  void labelMask() {
    QFETCH(int, max_length);
    QFETCH(bool, completion_only);
    QFETCH(QString, tokens);
    QFETCH(QString, mask);
    const rf::Tokenizer tok = rf::Tokenizer::load(fixture_path("tokenizers/qwen3"));
    rf::SftRecord r;
    r.prompt = "hello";
    r.completion = "Hi";
    rf::SftTokenizeOptions o;
    o.chat = rf::ChatFamily::ChatML;
    o.max_length = max_length;
    o.completion_only_loss = completion_only;
    const rf::SftExample ex = rf::sft_example_tokenize(tok, r, o);
    QStringList got;
    for (int32_t id : ex.ids) got << QString::fromStdString(tok.decode({id}));
    QCOMPARE(got, split_tokens(tokens));
    QCOMPARE(ex.loss, mask_from_string(mask));
  }

  // Without a chat format: prompt tokens, completion tokens, then the tokenizer's EOS.
  void plainFormatEndsWithEos() {
    const rf::Tokenizer tok = rf::Tokenizer::load(fixture_path("tokenizers/qwen3"));
    rf::SftRecord r;
    r.prompt = "hello";
    r.completion = " world";
    const rf::SftExample ex = rf::sft_example_tokenize(tok, r, {});
    QCOMPARE(ex.ids.size(), size_t(3));
    QCOMPARE(QString::fromStdString(tok.decode({ex.ids[0]})), QString("hello"));
    QCOMPARE(QString::fromStdString(tok.decode({ex.ids[1]})), QString(" world"));
    QCOMPARE(ex.ids[2], tok.eos_ids().front());
    QCOMPARE(ex.loss, (std::vector<uint8_t>{0, 1, 1}));
  }

  // Two examples padded in one batch: the loss is the mean NLL over the 5 completion tokens only, computed
  // here from token_logprobs of each example on its own (no padding).
  void lossIsCompletionMeanNll() {
    auto model = rf::Transformer::random(tiny_config(), 11);
    std::vector<rf::SftExample> ex = {rf::sft_example_from_ids({1, 2, 3}, {4, 5}, 64, true),
                                      rf::sft_example_from_ids({6}, {7, 8, 9}, 64, true)};
    const rf::SftBatch b = rf::sft_collate(ex, {{0}, {1}}, 0);
    QCOMPARE(mask_of(b.input_ids), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 0}));
    QCOMPARE(mask_of(b.loss_mask), (std::vector<int64_t>{0, 0, 0, 1, 1, 0, 1, 1, 1, 0}));
    QCOMPARE(mask_of(b.attention_mask), (std::vector<int64_t>{1, 1, 1, 1, 1, 1, 1, 1, 1, 0}));
    QCOMPARE(b.loss_tokens, int64_t(5));
    QCOMPARE(b.tokens, int64_t(9));
    at::NoGradGuard no_grad;
    const rf::CrossEntropy ce =
        rf::masked_cross_entropy(*model, b.input_ids, b.loss_mask, b.attention_mask, b.position_ids);
    QCOMPARE(ce.tokens, int64_t(5));
    // Independent: log p(token t | < t) = logprobs[t - 1]. Example 1: completion at t = 3, 4; example 2: t = 1, 2, 3.
    const at::Tensor lp1 = rf::token_logprobs(*model, at::tensor(std::vector<int64_t>{1, 2, 3, 4, 5}).view({1, 5}), {}, {}).logprobs;
    const at::Tensor lp2 = rf::token_logprobs(*model, at::tensor(std::vector<int64_t>{6, 7, 8, 9}).view({1, 4}), {}, {}).logprobs;
    const double nll = -(lp1[0][2].item<double>() + lp1[0][3].item<double>() + lp2[0][0].item<double>() +
                         lp2[0][1].item<double>() + lp2[0][2].item<double>()) / 5.0;
    QVERIFY2(std::abs(ce.loss.item<double>() - nll) < 1e-5, qPrintable(QString("%1 vs %2").arg(ce.loss.item<double>()).arg(nll)));
    QVERIFY(std::abs(rf::sft_eval_loss(*model, ex, 2, 0) - nll) < 1e-5);
    QVERIFY(std::abs(rf::sft_eval_loss(*model, ex, 1, 0) - nll) < 1e-5);
  }

  // A packed row: positions restart per example, the first token of each example is never a target.
  void packedRowCollate() {
    std::vector<rf::SftExample> ex = {rf::sft_example_from_ids({1, 2, 3}, {4, 5}, 64, true),
                                      rf::sft_example_from_ids({6}, {7, 8, 9}, 64, false)};
    const rf::SftBatch b = rf::sft_collate(ex, {{0, 1}}, 0);
    QCOMPARE(mask_of(b.input_ids), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
    QCOMPARE(mask_of(b.loss_mask), (std::vector<int64_t>{0, 0, 0, 1, 1, 0, 1, 1, 1}));
    QCOMPARE(mask_of(b.position_ids), (std::vector<int64_t>{0, 1, 2, 3, 4, 0, 1, 2, 3}));
  }

  void bucketsUseEveryExampleOnce_data() {
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("window");
    QTest::addColumn<int>("seed");
    QTest::newRow("one window") << 10 << 3 << 100 << 1;
    QTest::newRow("many windows") << 37 << 4 << 8 << 2;
    QTest::newRow("batch of one") << 5 << 1 << 0 << 3;
    QTest::newRow("batch larger than data") << 3 << 8 << 0 << 4;
  }
  void bucketsUseEveryExampleOnce() {
    QFETCH(int, n);
    QFETCH(int, batch);
    QFETCH(int, window);
    QFETCH(int, seed);
    std::vector<int64_t> lengths;
    for (int i = 0; i < n; ++i) lengths.push_back((i * 7) % 13 + 1);
    for (bool packed : {false, true}) {
      const auto plans = packed ? rf::sft_batches_packed(lengths, 16, batch, seed)
                                : rf::sft_batches_bucketed(lengths, batch, seed, window);
      std::vector<int> seen(n, 0);
      for (const auto& plan : plans) {
        QVERIFY(!plan.empty() && static_cast<int>(plan.size()) <= batch);
        for (const auto& row : plan) {
          int64_t len = 0;
          for (int64_t i : row) {
            ++seen[i];
            len += lengths[i];
          }
          QVERIFY(len <= 16);
          if (!packed) QCOMPARE(row.size(), size_t(1));
        }
      }
      QCOMPARE(seen, std::vector<int>(n, 1));
    }
  }

  // Hand-computed: lengths {5, 1, 3, 2}, one window, batch 2: sorted 1 (#1), 2 (#3), 3 (#2), 5 (#0) ->
  // batches {1, 3} and {2, 0} (in a seeded order). Packing {5, 4, 3, 3, 1} into 8 best-fit decreasing:
  // 5 -> row A (3 left), 4 -> row B (4 left), 3 -> A (tightest, 0 left), 3 -> B (1 left), 1 -> B.
  void bucketAndPackContents() {
    std::set<std::vector<int64_t>> batches;
    for (const auto& plan : rf::sft_batches_bucketed({5, 1, 3, 2}, 2, 9, 100)) {
      std::vector<int64_t> b;
      for (const auto& row : plan) b.push_back(row[0]);
      batches.insert(b);
    }
    QCOMPARE(batches, (std::set<std::vector<int64_t>>{{1, 3}, {2, 0}}));
    std::set<std::vector<int64_t>> rows;
    for (const auto& plan : rf::sft_batches_packed({5, 4, 3, 3, 1}, 8, 1, 9)) rows.insert(plan.at(0));
    QCOMPARE(rows, (std::set<std::vector<int64_t>>{{0, 2}, {1, 3, 4}}));
  }

  void stepsAndSplit() {
    rf::RunSftConfig c;
    c.num_train_epochs = 2.5;
    c.gradient_accumulation_steps = 2;
    QCOMPARE(rf::sft_total_steps(c, 5), int64_t(8));  // ceil(5 / 2) = 3 per epoch, ceil(2.5 x 3) = 8
    c.max_steps = 4;
    QCOMPARE(rf::sft_total_steps(c, 5), int64_t(4));
    const auto [train, eval] = rf::sft_split_eval(10, 0.2, 3);
    QCOMPARE(train.size(), size_t(8));
    QCOMPARE(eval.size(), size_t(2));
    std::set<int64_t> all(train.begin(), train.end());
    all.insert(eval.begin(), eval.end());
    QCOMPARE(all.size(), size_t(10));
  }

  // A tiny random model learns a repeated example; the metrics follow the schedule and count tokens.
  void trainingReducesLoss_data() {
    QTest::addColumn<bool>("lora");
    QTest::addColumn<bool>("packing");
    QTest::addColumn<double>("min_drop");  // nats, from about ln 64 = 4.16 at the start
    QTest::newRow("full") << false << false << 1.0;
    QTest::newRow("full packed") << false << true << 1.0;
    // LoRA leaves the lm_head (rows of norm ~0.16) frozen, so logits stay small and the loss cannot fall far.
    QTest::newRow("lora") << true << false << 0.25;
  }
  void trainingReducesLoss() {
    QFETCH(bool, lora);
    QFETCH(bool, packing);
    QFETCH(double, min_drop);
    auto model = rf::Transformer::random(tiny_config(), 5);
    rf::SftOptions o = small_options();
    o.config.max_steps = 12;
    o.config.packing = packing;
    o.config.lr_scheduler_type = "constant_with_warmup";
    o.config.warmup_ratio = 0.25;  // ceil(0.25 x 12) = 3 warm-up steps: 0, lr / 3, 2 lr / 3, then lr
    if (lora) {
      rf::LoraConfig lc;
      lc.rank = 4;
      lc.alpha = 8;
      lc.target_modules = {"all-linear"};
      rf::lora_attach(*model, lc, 1);
      o.lora = true;
      o.config.learning_rate = 3e-2;
    }
    std::vector<rf::SftExample> ex(4, rf::sft_example_from_ids({1, 2, 3, 4}, {10, 20, 30, 40, 50, 60}, 64, true));
    std::vector<rf::SftStepMetrics> steps;
    const rf::SftResult r = rf::sft_train(*model, ex, o, {[&](const rf::SftStepMetrics& m) { steps.push_back(m); }, {}});
    QCOMPARE(r.steps, int64_t(12));
    QCOMPARE(steps.size(), size_t(12));
    const double lr = o.config.learning_rate;
    QCOMPARE(steps[0].learning_rate, 0.0);
    QVERIFY(std::abs(steps[1].learning_rate - lr / 3) < 1e-12);
    QVERIFY(std::abs(steps[2].learning_rate - 2 * lr / 3) < 1e-12);
    QVERIFY(std::abs(steps[3].learning_rate - lr) < 1e-12);
    // Every step sees 2 examples of 10 tokens (bucketed: 2 rows; packed: 64 // 10 -> all 4 in one row, 40 tokens).
    const int64_t per_step = packing ? 40 : 20;
    for (size_t s = 0; s < steps.size(); ++s) {
      QCOMPARE(steps[s].step, int64_t(s + 1));
      QCOMPARE(steps[s].num_tokens, per_step * int64_t(s + 1));
      QVERIFY(!steps[s].skipped);
      QVERIFY(steps[s].step_time > 0 && steps[s].tokens_per_s > 0);
    }
    QVERIFY2(steps.back().loss < steps.front().loss - min_drop,
             qPrintable(QString("first %1 last %2").arg(steps.front().loss).arg(steps.back().loss)));
  }

  // Checkpoints every 2 steps and at the end, each under its final name only (no .tmp left), loading back
  // to the trained weights; eval_loss at eval_steps and at the end.
  // The allocators' own texts (CUDA's caching allocator in LibTorch 1.13 and 2.x, the CPU allocator, a
  // rethrown std::bad_alloc) are allocation failures; other LibTorch errors are not.
  void outOfMemoryIsRecognised_data() {
    QTest::addColumn<QString>("what");
    QTest::addColumn<bool>("oom");
    QTest::newRow("cuda 1.13") << "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.15 GiB total capacity; "
                                  "77.01 GiB already allocated; 1.02 GiB free)" << true;
    QTest::newRow("cuda 2.x") << "CUDA out of memory. Tried to allocate 20.00 MiB. GPU 0 has a total capacity of 79.11 GiB "
                                 "of which 3.50 MiB is free." << true;
    QTest::newRow("cpu") << "[enforce fail at alloc_cpu.cpp:75] err == 0. DefaultCPUAllocator: can't allocate memory: you "
                            "tried to allocate 40000000000 bytes. Error code 12 (Cannot allocate memory)" << true;
    QTest::newRow("bad_alloc") << "std::bad_alloc" << true;
    QTest::newRow("shape") << "mat1 and mat2 shapes cannot be multiplied (4x64 and 32x64)" << false;
    QTest::newRow("index") << "index 70000 is out of bounds for dimension 0 with size 64" << false;
  }
  void outOfMemoryIsRecognised() {
    QFETCH(QString, what);
    QFETCH(bool, oom);
    QCOMPARE(rf::out_of_memory_is(what.toStdString()), oom);
  }

  // A real allocation failure: one example of 200,000 tokens needs a (T, T) attention mask and scores of
  // 40 GB and more, which the CPU allocator refuses. The step it falls in does not happen; the steps
  // before it are kept in a checkpoint that loads back, and the message names the settings to lower.
  void outOfMemoryStopsWithCheckpoint() {
    {
      std::ifstream f("/proc/sys/vm/overcommit_memory");
      int mode = 0;
      if (f >> mode && mode == 1)  // every allocation granted: the kernel would kill the test instead
        QSKIP("vm.overcommit_memory is 1: a refused allocation cannot be provoked safely");
    }
    nlohmann::json j = {{"model_type", "llama"}, {"vocab_size", 64}, {"hidden_size", 32}, {"intermediate_size", 64},
                        {"num_hidden_layers", 1}, {"num_attention_heads", 2}, {"num_key_value_heads", 1},
                        {"max_position_embeddings", 128}, {"rope_theta", 10000.0}, {"rms_norm_eps", 1e-6},
                        {"tie_word_embeddings", false}};
    auto model = rf::Transformer::random(rf::model_config_from_json(j, "tiny"), 3);
    const std::string out = temp_dir("oom");
    rf::SftOptions o = small_options();
    o.config.per_device_train_batch_size = 1;
    o.config.max_length = 250000;
    o.config.num_train_epochs = 1;
    o.output_dir = out + "/run";
    std::vector<rf::SftExample> ex;
    for (int i = 0; i < 3; ++i) ex.push_back(rf::sft_example_from_ids({1, 2, i + 3}, {20 + i, 30}, o.config.max_length, true));
    ex.push_back(rf::sft_example_from_ids(std::vector<int32_t>(200000, 5), {6, 7}, o.config.max_length, true));
    std::vector<rf::SftStepMetrics> steps;
    const rf::SftResult r = rf::sft_train(*model, ex, o, {[&](const rf::SftStepMetrics& m) { steps.push_back(m); }, {}});
    QVERIFY2(!r.out_of_memory.empty(), "the huge example did not fail its allocation");
    QCOMPARE(r.steps, static_cast<int64_t>(steps.size()));
    QVERIFY(r.steps >= 1 && r.steps < 4);  // seed 7 puts the huge example third
    const std::string expected = "sft: the device ran out of memory at step " + std::to_string(r.steps + 1) + "; lower sft.per_device_train_batch_size";
    QVERIFY2(r.out_of_memory.rfind(expected, 0) == 0, r.out_of_memory.c_str());
    QVERIFY(r.out_of_memory.find("sft.max_length") != std::string::npos);
    QCOMPARE(r.last_checkpoint, o.output_dir + "/checkpoint-" + std::to_string(r.steps));
    auto back = rf::Transformer::load(r.last_checkpoint);
    const auto a = model->named_parameters(), b = back->named_parameters();
    for (size_t i = 0; i < a.size(); ++i) QVERIFY2(a[i].second.detach().equal(b[i].second), a[i].first.c_str());
    fs::remove_all(out);
  }

  void checkpointsLoadBack_data() {
    QTest::addColumn<bool>("lora");
    QTest::newRow("full") << false;
    QTest::newRow("lora") << true;
  }
  void checkpointsLoadBack() {
    QFETCH(bool, lora);
    const std::string out = temp_dir(lora ? "lora" : "full");
    {
      std::ofstream(out + "/tokenizer.json") << "{}";
    }
    auto model = rf::Transformer::random(tiny_config(), 3);
    if (lora) {
      rf::LoraConfig lc;
      lc.rank = 2;
      rf::lora_attach(*model, lc, 1);
    }
    rf::SftOptions o = small_options();
    o.config.max_steps = 3;
    o.config.save_steps = 2;
    o.config.eval_steps = 2;
    o.eval_fraction = 0.25;
    o.output_dir = out + "/run";
    o.lora = lora;
    o.copy_files = {out + "/tokenizer.json"};
    std::vector<rf::SftExample> ex;
    for (int i = 0; i < 8; ++i) ex.push_back(rf::sft_example_from_ids({1, 2, i + 3}, {20 + i, 30}, 64, true));
    std::vector<rf::SftStepMetrics> steps;
    const rf::SftResult r = rf::sft_train(*model, ex, o, {[&](const rf::SftStepMetrics& m) { steps.push_back(m); }, {}});
    QCOMPARE(steps.size(), size_t(3));
    QVERIFY(std::isnan(steps[0].eval_loss));
    QVERIFY(std::isfinite(steps[1].eval_loss) && std::isfinite(steps[2].eval_loss));
    QCOMPARE(steps[0].checkpoint, std::string());
    QCOMPARE(steps[1].checkpoint, o.output_dir + "/checkpoint-2");
    QCOMPARE(steps[2].checkpoint, o.output_dir + "/checkpoint-3");
    QCOMPARE(r.last_checkpoint, o.output_dir + "/checkpoint-3");
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(o.output_dir)) names.insert(e.path().filename().string());
    QCOMPARE(names, (std::set<std::string>{"checkpoint-2", "checkpoint-3"}));
    QVERIFY(fs::exists(r.last_checkpoint + "/tokenizer.json"));
    // Writing the same checkpoint again replaces it and leaves nothing else behind.
    rf::sft_checkpoint_write(*model, r.last_checkpoint, o);
    names.clear();
    for (const auto& e : fs::directory_iterator(o.output_dir)) names.insert(e.path().filename().string());
    QCOMPARE(names, (std::set<std::string>{"checkpoint-2", "checkpoint-3"}));

    std::unique_ptr<rf::Transformer> back;
    if (lora) {
      back = rf::Transformer::random(tiny_config(), 3);
      rf::lora_load_peft(*back, r.last_checkpoint);
      const auto a = rf::lora_parameters(*model), b = rf::lora_parameters(*back);
      QCOMPARE(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i) QVERIFY2(a[i].second.equal(b[i].second), a[i].first.c_str());
    } else {
      back = rf::Transformer::load(r.last_checkpoint);
      const auto a = model->named_parameters(), b = back->named_parameters();
      QCOMPARE(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i) QVERIFY2(a[i].second.detach().equal(b[i].second), a[i].first.c_str());
    }
    fs::remove_all(out);
  }

  // A run stopped after step 3 (its stop checkpoint holds weights, AdamW moments and the data position) and
  // resumed into a fresh model continues exactly: steps 4..7 have the uninterrupted run's losses, token
  // counts and learning rates, and the final weights match. 5 examples in batches of 2 make 3 batches an
  // epoch, so the cut falls inside the second epoch; the LoRA row has dropout, drawn from the global RNG.
  void resumeContinuesExactly_data() {
    QTest::addColumn<bool>("lora");
    QTest::addColumn<bool>("packing");
    QTest::newRow("full") << false << false;
    QTest::newRow("full packed") << false << true;
    QTest::newRow("lora with dropout") << true << false;
  }
  void resumeContinuesExactly() {
    QFETCH(bool, lora);
    QFETCH(bool, packing);
    const std::string out = temp_dir("resume");
    auto fresh = [&] {
      auto m = rf::Transformer::random(tiny_config(), 11);
      if (lora) {
        rf::LoraConfig lc;
        lc.rank = 4;
        lc.alpha = 8;
        lc.dropout = 0.2;
        lc.target_modules = {"all-linear"};
        rf::lora_attach(*m, lc, 2);
      }
      return m;
    };
    rf::SftOptions o = small_options();
    o.config.max_steps = 7;
    o.config.packing = packing;
    o.config.max_length = 16;  // packed: one 10-token example per row, so 3 batches an epoch as well
    o.config.lr_scheduler_type = "cosine";
    o.config.warmup_ratio = 0.2;
    o.lora = lora;
    std::vector<rf::SftExample> ex;
    for (int i = 0; i < 5; ++i) ex.push_back(rf::sft_example_from_ids({1, 2, 3 + i, 4}, {10 + i, 20, 30 + i, 40, 50, 60}, 64, true));

    auto straight = fresh();
    std::vector<rf::SftStepMetrics> all;
    rf::sft_train(*straight, ex, o, {[&](const rf::SftStepMetrics& m) { all.push_back(m); }, {}});
    QCOMPARE(all.size(), size_t(7));

    o.output_dir = out + "/run";
    auto cut = fresh();
    std::vector<rf::SftStepMetrics> first;
    const rf::SftResult r1 = rf::sft_train(*cut, ex, o, {[&](const rf::SftStepMetrics& m) { first.push_back(m); },
                                                         [&] { return first.size() == 3; }});
    QCOMPARE(r1.steps, int64_t(3));
    QCOMPARE(r1.last_checkpoint, o.output_dir + "/checkpoint-3");
    QCOMPARE(rf::sft_checkpoint_step(r1.last_checkpoint), int64_t(3));
    QVERIFY(fs::exists(r1.last_checkpoint + "/optimizer.safetensors"));

    std::unique_ptr<rf::Transformer> resumed;
    if (lora) {
      resumed = rf::Transformer::random(tiny_config(), 11);
      rf::lora_load_peft(*resumed, r1.last_checkpoint);
    } else {
      resumed = rf::Transformer::load(r1.last_checkpoint);
    }
    o.resume_from = r1.last_checkpoint;
    std::vector<rf::SftStepMetrics> rest;
    const rf::SftResult r2 = rf::sft_train(*resumed, ex, o, {[&](const rf::SftStepMetrics& m) { rest.push_back(m); }, {}});
    QCOMPARE(r2.steps, int64_t(7));
    QCOMPARE(rest.size(), size_t(4));
    for (size_t i = 0; i < 4; ++i) {
      const rf::SftStepMetrics& a = all[i + 3];
      const rf::SftStepMetrics& b = rest[i];
      QCOMPARE(b.step, a.step);
      QCOMPARE(b.num_tokens, a.num_tokens);
      QCOMPARE(b.learning_rate, a.learning_rate);
      QCOMPARE(b.epoch, a.epoch);
      QVERIFY2(std::abs(b.loss - a.loss) < 1e-5, qPrintable(QString("step %1: %2 vs %3").arg(a.step).arg(b.loss).arg(a.loss)));
    }
    const auto pa = lora ? rf::lora_parameters(*straight) : straight->named_parameters();
    const auto pb = lora ? rf::lora_parameters(*resumed) : resumed->named_parameters();
    QCOMPARE(pa.size(), pb.size());
    for (size_t i = 0; i < pa.size(); ++i)
      QVERIFY2(at::allclose(pa[i].second.detach(), pb[i].second.detach(), 1e-5, 1e-6), pa[i].first.c_str());

    // The data or the step count changed since: refused, naming the checkpoint's file.
    std::vector<rf::SftExample> fewer(ex.begin(), ex.end() - 1);
    auto again = fresh();
    try {
      rf::sft_train(*again, fewer, o);
      QFAIL("a changed SFT file resumed");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find("trainer_state.json") != std::string::npos, e.what());
      QVERIFY2(std::string(e.what()).find("training examples") != std::string::npos, e.what());
    }
    fs::remove_all(out);
  }

  void badJsonl_data() {
    QTest::addColumn<QString>("content");
    QTest::addColumn<QString>("error");
    QTest::newRow("invalid JSON") << "{\"prompt\": \"a\", \"completion\": \"b\"}\n{bad\n" << ":2: invalid JSON";
    QTest::newRow("missing completion") << "{\"prompt\": \"a\", \"completion\": \"b\"}\n\n{\"prompt\": \"a\"}\n"
                                        << ":3: completion: missing";
    QTest::newRow("prompt not a string") << "{\"prompt\": 3, \"completion\": \"b\"}\n" << ":1: prompt: must be a string";
    QTest::newRow("empty completion") << "{\"prompt\": \"a\", \"completion\": \"\"}\n" << ":1: completion: empty";
    QTest::newRow("not an object") << "[1, 2]\n" << ":1: expected a JSON object";
    QTest::newRow("no lines") << "\n\n" << ": no prompt/completion lines";
  }
  void badJsonl() {
    QFETCH(QString, content);
    QFETCH(QString, error);
    const std::string dir = temp_dir("bad");
    const std::string path = dir + "/data.jsonl";
    std::ofstream(path) << content.toStdString();
    QString message;
    try {
      rf::sft_records_read(path);
    } catch (const rf::Error& e) {
      message = e.what();
    }
    QVERIFY2(message.startsWith(QString::fromStdString(path) + error), qPrintable(message));
    fs::remove_all(dir);
  }

  void readsRecords() {
    const std::string dir = temp_dir("good");
    const std::string path = dir + "/data.jsonl";
    std::ofstream(path) << "{\"prompt\": \"p1\", \"completion\": \"c1\", \"user\": 4}\n\n"
                           "{\"system\": \"s\", \"prompt\": \"p2\", \"completion\": \"c2\"}\n";
    const auto recs = rf::sft_records_read(path);
    QCOMPARE(recs.size(), size_t(2));
    QCOMPARE(recs[0].prompt, std::string("p1"));
    QCOMPARE(recs[0].line, int64_t(1));
    QCOMPARE(recs[1].system, std::string("s"));
    QCOMPARE(recs[1].completion, std::string("c2"));
    QCOMPARE(recs[1].line, int64_t(3));
    fs::remove_all(dir);
  }
};

QTEST_GUILESS_MAIN(TestSft)
#include "test_sft.moc"
