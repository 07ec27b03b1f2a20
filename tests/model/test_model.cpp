// Model parity with Hugging Face transformers (tests/fixtures/hf-parity), save/reload, sharded
// loading, bf16, and bad-input handling of config.json and safetensors files.
#include "model/rope.h"
#include "model/safetensors.h"
#include "model/transformer.h"
#include "support/fixtures.h"
#include "util/error.h"
#include "util/file_io.h"

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>

using rf::test::fixture_json;
using rf::test::fixture_path;
using rf::test::json_ids_tensor;
using rf::test::json_to_tensor;
using rf::test::max_abs_diff;

namespace {

// Greedy decoding written directly on the model (the generator has its own tests).
std::vector<int64_t> greedy(rf::Transformer& m, const std::vector<int64_t>& prompt, int n, bool use_cache,
                            std::vector<at::Tensor>* step_logits = nullptr) {
  c10::InferenceMode guard;
  std::vector<int64_t> seq = prompt, out;
  rf::KvCache cache;
  if (use_cache) cache = rf::KvCache::allocate(m.config(), 1, prompt.size() + n, m.dtype(), m.device());
  for (int i = 0; i < n; ++i) {
    at::Tensor input;
    if (!use_cache || i == 0) input = at::tensor(seq, at::kLong).view({1, -1});
    else input = at::tensor(std::vector<int64_t>{seq.back()}, at::kLong).view({1, 1});
    at::Tensor logits = m.forward({input}, use_cache ? &cache : nullptr);
    at::Tensor last = logits[0][logits.size(1) - 1];
    if (step_logits) step_logits->push_back(last.clone());
    const int64_t next = last.argmax().item<int64_t>();
    seq.push_back(next);
    out.push_back(next);
  }
  return out;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A minimal safetensors file from a header string and a data section.
std::string make_safetensors(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

}  // namespace

class TestModel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void parity_data() {
    QTest::addColumn<QString>("arch");
    QTest::newRow("qwen2") << "qwen2";
    QTest::newRow("qwen3") << "qwen3";
    QTest::newRow("llama") << "llama";
  }
  void parity() {
    QFETCH(QString, arch);
    const std::string dir = fixture_path("hf-parity/" + arch.toStdString());
    const nlohmann::json ref = fixture_json("hf-parity/" + arch.toStdString() + "/reference.json");
    auto model = rf::Transformer::load(dir);
    c10::InferenceMode guard;
    for (size_t p = 0; p < ref["input_ids"].size(); ++p) {
      at::Tensor ids = json_ids_tensor(ref["input_ids"][p]);
      at::Tensor hidden = model->forward_hidden({ids});
      at::Tensor logits = model->logits_from_hidden(hidden)[0];
      const double d_logits = max_abs_diff(logits, json_to_tensor(ref["logits"][p]));
      QVERIFY2(d_logits <= 1e-4, qPrintable(QString("logits differ by %1").arg(d_logits)));
      const auto& hs = ref["hidden_states"][p];
      const double d_hidden = max_abs_diff(hidden[0], json_to_tensor(hs[hs.size() - 1]));
      QVERIFY2(d_hidden <= 1e-4, qPrintable(QString("final hidden differs by %1").arg(d_hidden)));
      at::Tensor logp = at::log_softmax(logits, -1);
      at::Tensor next = ids[0].narrow(0, 1, ids.size(1) - 1).unsqueeze(1);
      at::Tensor token_logp = logp.narrow(0, 0, ids.size(1) - 1).gather(1, next).squeeze(1);
      QVERIFY(max_abs_diff(token_logp, json_to_tensor(ref["next_token_logprobs"][p])) <= 1e-4);
    }
  }

  void greedy_cached_and_uncached_data() { parity_data(); }
  void greedy_cached_and_uncached() {
    QFETCH(QString, arch);
    const std::string dir = fixture_path("hf-parity/" + arch.toStdString());
    const nlohmann::json ref = fixture_json("hf-parity/" + arch.toStdString() + "/reference.json");
    auto model = rf::Transformer::load(dir);
    for (size_t p = 0; p < ref["input_ids"].size(); ++p) {
      const auto prompt = ref["input_ids"][p].get<std::vector<int64_t>>();
      std::vector<at::Tensor> steps;
      const auto cached = greedy(*model, prompt, 16, true, &steps);
      QCOMPARE(cached, ref["greedy_cached"][p].get<std::vector<int64_t>>());
      QCOMPARE(greedy(*model, prompt, 16, false), ref["greedy_uncached"][p].get<std::vector<int64_t>>());
      // Each cached decode step's top-5 logits agree with HF's.
      const auto& top5 = ref["greedy_step_top5"][p];
      for (size_t t = 0; t < steps.size(); ++t) {
        const auto ids = top5["ids"][t].get<std::vector<int64_t>>();
        const auto vals = top5["logits"][t].get<std::vector<double>>();
        for (size_t k = 0; k < ids.size(); ++k)
          QVERIFY(std::abs(steps[t][ids[k]].item<double>() - vals[k]) <= 1e-4);
      }
    }
  }

  void rope_frequencies_data() { parity_data(); }
  void rope_frequencies() {
    QFETCH(QString, arch);
    const nlohmann::json ref = fixture_json("hf-parity/" + arch.toStdString() + "/reference.json");
    const auto config = rf::model_config_load(fixture_path("hf-parity/" + arch.toStdString()));
    const auto inv = rf::rope_inv_freq(config);
    const auto expected = ref["rope"]["inv_freq"].get<std::vector<double>>();
    QCOMPARE(inv.size(), expected.size());
    for (size_t i = 0; i < inv.size(); ++i) QVERIFY(std::abs(inv[i] - expected[i]) <= 1e-6 * std::abs(expected[i]) + 1e-12);
  }

  void bf16_file_loads_in_fp32() {
    const std::string src = fixture_path("hf-parity/qwen2");
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    std::filesystem::copy_file(src + "/config.json", dir + "/config.json");
    std::filesystem::copy_file(src + "/model.bf16.safetensors", dir + "/model.safetensors");
    const nlohmann::json ref = fixture_json("hf-parity/qwen2/reference.json");
    auto model = rf::Transformer::load(dir);
    c10::InferenceMode guard;
    for (size_t p = 0; p < ref["input_ids"].size(); ++p) {
      at::Tensor logits = model->forward({json_ids_tensor(ref["input_ids"][p])})[0];
      QVERIFY(max_abs_diff(logits, json_to_tensor(ref["bf16_weights_fp32_compute"]["logits"][p])) <= 1e-4);
    }
    QCOMPARE(greedy(*model, ref["input_ids"][0].get<std::vector<int64_t>>(), 16, true),
             ref["bf16_weights_fp32_compute"]["greedy_cached"][0].get<std::vector<int64_t>>());
  }

  void bf16_compute_is_close() {
    const nlohmann::json ref = fixture_json("hf-parity/llama/reference.json");
    rf::ModelLoadOptions opts;
    opts.dtype = at::kBFloat16;
    auto model = rf::Transformer::load(fixture_path("hf-parity/llama"), opts);
    c10::InferenceMode guard;
    at::Tensor logits = model->forward({json_ids_tensor(ref["input_ids"][1])})[0];
    at::Tensor expected = json_to_tensor(ref["logits"][1]);
    QVERIFY(max_abs_diff(logits, expected) <= 0.2);
    const double agree = logits.argmax(-1).eq(expected.argmax(-1)).to(at::kFloat).mean().item<double>();
    QVERIFY(agree >= 0.8);
  }

  void save_and_reload_is_exact() {
    auto model = rf::Transformer::load(fixture_path("hf-parity/qwen2"));
    QTemporaryDir tmp;
    model->save(tmp.path().toStdString());
    auto again = rf::Transformer::load(tmp.path().toStdString());
    rf::SafetensorsFile f(tmp.path().toStdString() + "/model.safetensors");
    QVERIFY(!f.contains("lm_head.weight"));  // tied: stored once, like transformers
    QCOMPARE(f.metadata().at("format"), std::string("pt"));
    c10::InferenceMode guard;
    at::Tensor ids = at::arange(0, 20, at::kLong).view({1, 20});
    QCOMPARE(max_abs_diff(model->forward({ids}), again->forward({ids})), 0.0);
  }

  void sharded_checkpoint_loads() {
    const std::string src = fixture_path("hf-parity/llama");
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    std::filesystem::copy_file(src + "/config.json", dir + "/config.json");
    rf::SafetensorsFile whole(src + "/model.safetensors");
    std::vector<std::pair<std::string, at::Tensor>> a, b;
    nlohmann::json weight_map;
    for (const auto& e : whole.entries()) {
      const bool first = e.name.find("layers.1.") == std::string::npos && e.name != "lm_head.weight";
      (first ? a : b).emplace_back(e.name, whole.tensor(e.name));
      weight_map[e.name] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
    }
    rf::safetensors_save(dir + "/model-00001-of-00002.safetensors", a);
    rf::safetensors_save(dir + "/model-00002-of-00002.safetensors", b);
    rf::file_write_atomic(dir + "/model.safetensors.index.json", nlohmann::json{{"weight_map", weight_map}}.dump());
    auto sharded = rf::Transformer::load(dir);
    auto single = rf::Transformer::load(src);
    c10::InferenceMode guard;
    at::Tensor ids = at::arange(3, 30, at::kLong).view({1, -1});
    QCOMPARE(max_abs_diff(sharded->forward({ids}), single->forward({ids})), 0.0);
  }

  void bad_safetensors_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");
    const std::string ok_header = R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    QTest::newRow("shorter than 8 bytes") << QByteArray("abc") << "truncated";
    std::string huge(8, '\0');
    huge[0] = '\xff';
    huge[1] = '\xff';
    huge[2] = '\x0f';
    QTest::newRow("header longer than file") << QByteArray::fromStdString(huge + "{}") << "larger than the file";
    QTest::newRow("header not json") << QByteArray::fromStdString(make_safetensors("{nope", "")) << "not a JSON object";
    QTest::newRow("offset out of range")
        << QByteArray::fromStdString(make_safetensors(R"({"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", std::string(8, '\0')))
        << "outside the data section";
    QTest::newRow("size disagrees with shape")
        << QByteArray::fromStdString(make_safetensors(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0')))
        << "needs 12";
    QTest::newRow("overlap")
        << QByteArray::fromStdString(make_safetensors(
               R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
               std::string(12, '\0')))
        << "overlap";
    QTest::newRow("unknown dtype")
        << QByteArray::fromStdString(make_safetensors(R"({"t":{"dtype":"F8_E9","shape":[2],"data_offsets":[0,2]}})", std::string(2, '\0')))
        << "unknown dtype 'F8_E9'";
    QTest::newRow("huge shape")
        << QByteArray::fromStdString(make_safetensors(
               R"({"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", std::string(8, '\0')))
        << "larger than the file";
    QTest::newRow("valid") << QByteArray::fromStdString(make_safetensors(ok_header, std::string(8, '\0'))) << "";
  }
  void bad_safetensors() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("x.safetensors").toStdString();
    write_bytes(path, bytes.toStdString());
    try {
      rf::SafetensorsFile f(path);
      QVERIFY2(expected.isEmpty(), "expected an error");
      QCOMPARE(f.tensor("t").numel(), 2);
    } catch (const rf::Error& e) {
      const std::string msg = e.what();
      QVERIFY2(!expected.isEmpty() && msg.find(expected.toStdString()) != std::string::npos, msg.c_str());
      QVERIFY2(msg.find(path) != std::string::npos, msg.c_str());
    }
  }

  void bad_model_folder_data() {
    QTest::addColumn<QString>("case_name");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unsupported model_type") << "model_type" << "unsupported model_type 'gpt_neox'";
    QTest::newRow("missing tensor") << "missing" << "missing tensor 'model.layers.1.mlp.down_proj.weight'";
    QTest::newRow("shape disagrees with config") << "shape" << "config.json implies";
    QTest::newRow("truncated weights") << "truncated" << "model.safetensors";
    QTest::newRow("config not json") << "badjson" << "config.json: not valid JSON";
    QTest::newRow("config field wrong type") << "field" << "'hidden_size' must be a positive integer";
  }
  void bad_model_folder() {
    QFETCH(QString, case_name);
    QFETCH(QString, expected);
    const std::string src = fixture_path("hf-parity/llama");
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    nlohmann::json config = nlohmann::json::parse(rf::file_read_all(src + "/config.json"));
    std::string weights = rf::file_read_all(src + "/model.safetensors");
    const std::string c = case_name.toStdString();
    std::string config_text;
    if (c == "model_type") config["model_type"] = "gpt_neox";
    if (c == "field") config["hidden_size"] = "64";
    if (c == "shape") config["intermediate_size"] = 96;
    config_text = c == "badjson" ? "{\"model_type\": " : config.dump();
    if (c == "truncated") weights.resize(weights.size() / 2);
    if (c == "missing") {
      rf::SafetensorsFile whole(src + "/model.safetensors");
      std::vector<std::pair<std::string, at::Tensor>> kept;
      for (const auto& e : whole.entries())
        if (e.name != "model.layers.1.mlp.down_proj.weight") kept.emplace_back(e.name, whole.tensor(e.name));
      rf::safetensors_save(dir + "/model.safetensors", kept);
    } else {
      write_bytes(dir + "/model.safetensors", weights);
    }
    write_bytes(dir + "/config.json", config_text);
    try {
      rf::Transformer::load(dir);
      QFAIL("expected an error");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).find(expected.toStdString()) != std::string::npos, e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestModel)
#include "test_model.moc"
