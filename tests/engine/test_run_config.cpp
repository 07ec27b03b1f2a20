// Tests for the run config (core/engine/run_config.h): defaults equal to TRL's (values written here by hand
// from TRL's GRPOConfig / SFTConfig / TrainingArguments), a valid config read field by field, every kind of
// error naming its full field path, the JSON round trip, reward presets by name, files, and that
// docs/config.md lists every field with the code's default.
#include "engine/run_config.h"
#include "util/error.h"

#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <fstream>
#include <set>
#include <sstream>

using nlohmann::json;

namespace {

std::string error_of(const json& j, const std::string& where = "") {
  try {
    rf::run_config_from_json(j, where);
  } catch (const rf::Error& e) {
    return e.what();
  }
  return "(no error)";
}

// "grpo.epsilon_high" -> the JSON pointer "/grpo/epsilon_high".
json::json_pointer pointer_of(const std::string& path) {
  std::string p = "/" + path;
  for (char& ch : p)
    if (ch == '.') ch = '/';
  return json::json_pointer(p);
}

// Every leaf field path of the config's JSON except inside "rewards" (documented as one field).
void leaf_paths(const json& j, const std::string& prefix, std::vector<std::string>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object() && path != "rewards") leaf_paths(*it, path, out);
    else out.push_back(path);
  }
}

}  // namespace

class TestRunConfig : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void defaults_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("expected");  // JSON text
    // TRL GRPOConfig (>= 0.20) and TrainingArguments defaults.
    QTest::newRow("num_generations") << "grpo.num_generations" << "8";
    QTest::newRow("beta") << "grpo.beta" << "0.0";
    QTest::newRow("epsilon") << "grpo.epsilon" << "0.2";
    QTest::newRow("epsilon_high = epsilon") << "grpo.epsilon_high" << "0.2";
    QTest::newRow("loss_type") << "grpo.loss_type" << "\"dapo\"";
    QTest::newRow("scale_rewards") << "grpo.scale_rewards" << "\"group\"";
    QTest::newRow("num_iterations") << "grpo.num_iterations" << "1";
    QTest::newRow("mask_truncated_completions") << "grpo.mask_truncated_completions" << "false";
    QTest::newRow("temperature") << "grpo.temperature" << "1.0";
    QTest::newRow("top_p") << "grpo.top_p" << "1.0";
    QTest::newRow("top_k") << "grpo.top_k" << "0";
    QTest::newRow("repetition_penalty") << "grpo.repetition_penalty" << "1.0";
    QTest::newRow("max_prompt_length") << "grpo.max_prompt_length" << "512";
    QTest::newRow("max_completion_length") << "grpo.max_completion_length" << "256";
    QTest::newRow("grpo learning_rate") << "grpo.learning_rate" << "1e-6";
    QTest::newRow("per_device_train_batch_size") << "grpo.per_device_train_batch_size" << "8";
    QTest::newRow("gradient_accumulation_steps") << "grpo.gradient_accumulation_steps" << "1";
    QTest::newRow("num_train_epochs") << "grpo.num_train_epochs" << "3.0";
    QTest::newRow("max_steps") << "grpo.max_steps" << "-1";
    QTest::newRow("lr_scheduler_type") << "grpo.lr_scheduler_type" << "\"linear\"";
    QTest::newRow("warmup_ratio") << "grpo.warmup_ratio" << "0.0";
    QTest::newRow("weight_decay") << "grpo.weight_decay" << "0.0";
    QTest::newRow("adam_beta1") << "grpo.adam_beta1" << "0.9";
    QTest::newRow("adam_beta2") << "grpo.adam_beta2" << "0.999";
    QTest::newRow("adam_epsilon") << "grpo.adam_epsilon" << "1e-8";
    QTest::newRow("max_grad_norm") << "grpo.max_grad_norm" << "1.0";
    QTest::newRow("logging_steps") << "grpo.logging_steps" << "10";
    QTest::newRow("save_steps") << "grpo.save_steps" << "500";
    QTest::newRow("save_total_limit (None: keep all)") << "grpo.save_total_limit" << "0";
    QTest::newRow("sft save_total_limit") << "sft.save_total_limit" << "0";
    // TRL SFTConfig.
    QTest::newRow("sft learning_rate") << "sft.learning_rate" << "2e-5";
    QTest::newRow("sft max_length") << "sft.max_length" << "1024";
    QTest::newRow("sft packing") << "sft.packing" << "false";
    QTest::newRow("sft epochs") << "sft.num_train_epochs" << "3.0";
    QTest::newRow("sft batch") << "sft.per_device_train_batch_size" << "8";
    // PEFT LoRA as core/train/lora_train.h, and RecForge's own.
    QTest::newRow("lora r") << "model.lora.r" << "8";
    QTest::newRow("lora targets") << "model.lora.target_modules" << "[\"q_proj\", \"v_proj\"]";
    QTest::newRow("seed (TrainingArguments)") << "seed" << "42";
    QTest::newRow("nan_patience") << "nan_patience" << "3";
    QTest::newRow("recipe") << "recipe" << "\"list\"";
    QTest::newRow("trainer") << "trainer" << "\"grpo\"";
    QTest::newRow("rewards = the List preset") << "rewards.name" << "\"recllm-r1\"";
    QTest::newRow("ndcg weight of the preset") << "rewards.components.1.weight" << "1.0";
  }
  void defaults() {
    QFETCH(QString, path);
    QFETCH(QString, expected);
    const json j = rf::run_config_to_json(rf::run_config_from_json(json::object()));
    const json want = json::parse(expected.toStdString());
    QVERIFY2(j.contains(pointer_of(path.toStdString())), qPrintable(path));
    const json got = j.at(pointer_of(path.toStdString()));
    QVERIFY2(got == want, qPrintable(path + ": " + QString::fromStdString(got.dump())));
    QVERIFY(rf::run_config_from_json(json::object()) == rf::run_config_default());
  }

  void valid_config() {
    const json j = json::parse(R"({
      "name": "beauty list", "recipe": "list", "trainer": "grpo", "seed": 7, "nan_patience": 5,
      "data": {"dataset": "beauty", "split": "temporal", "valid_from": 1500000000000, "test_from": 1600000000000,
               "pool_size": 30, "negative_sampling": "popularity"},
      "template": {"preset": "list"},
      "model": {"source": "hf", "path": "/models/qwen", "finetune": "lora",
                "lora": {"r": 16, "lora_alpha": 32, "target_modules": ["all-linear"]}},
      "device": "cuda:1", "dtype": "bfloat16",
      "grpo": {"num_generations": 4, "beta": 0.001, "epsilon": 0.2, "epsilon_high": 0.28, "loss_type": "dr_grpo",
               "scale_rewards": false, "num_iterations": 2, "temperature": 0.6, "top_p": 0.95,
               "per_device_train_batch_size": 12, "gradient_accumulation_steps": 2, "max_steps": 100},
      "rewards": "recllm-r1",
      "eval": {"split": "test", "users": 0, "k": 20, "baselines": ["pop", "sasrec"]}
    })");
    const rf::RunConfig c = rf::run_config_from_json(j);
    QCOMPARE(c.name, std::string("beauty list"));
    QCOMPARE(c.seed, 7);
    QCOMPARE(c.nan_patience, 5);
    QCOMPARE(c.data.valid_from, int64_t(1500000000000));
    QCOMPARE(c.data.pool_size, 30);
    QCOMPARE(c.model.lora.r, 16);
    QCOMPARE(c.model.lora.lora_alpha, 32.0);
    QCOMPARE(c.model.lora.target_modules, std::vector<std::string>{"all-linear"});
    QCOMPARE(c.model.lora.lora_dropout, 0.0);  // not given: default
    QCOMPARE(c.device, std::string("cuda:1"));
    QCOMPARE(c.grpo.num_generations, 4);
    QCOMPARE(c.grpo.epsilon_high, 0.28);
    QCOMPARE(c.grpo.loss_type, std::string("dr_grpo"));
    QCOMPARE(c.grpo.scale_rewards, std::string("none"));  // TRL's boolean form
    QCOMPARE(c.grpo.num_iterations, 2);
    QCOMPARE(c.grpo.temperature, 0.6);
    QCOMPARE(c.grpo.max_steps, 100);
    QCOMPARE(c.grpo.max_completion_length, 256);  // not given: default
    QCOMPARE(c.eval.k, 20);
    QCOMPARE(c.eval.baselines, (std::vector<std::string>{"pop", "sasrec"}));
    QCOMPARE(c.rewards["components"].size(), size_t(7));
  }

  void epsilon_high_follows_epsilon() {
    const rf::RunConfig c = rf::run_config_from_json(json::parse(R"({"grpo": {"epsilon": 0.3}})"));
    QCOMPARE(c.grpo.epsilon_high, 0.3);
    const rf::RunConfig n = rf::run_config_from_json(json::parse(R"({"grpo": {"epsilon_high": null}})"));
    QCOMPARE(n.grpo.epsilon_high, 0.2);
  }

  void errors_data() {
    QTest::addColumn<QString>("config");
    QTest::addColumn<QString>("expected");
    QTest::newRow("not an object") << "[1]" << "run config: expected a JSON object, found a list";
    QTest::newRow("unknown top-level") << R"({"frobnicate": 1})" << "frobnicate: unknown key";
    QTest::newRow("unknown nested") << R"({"grpo": {"epsilon_hgh": 0.3}})" << "grpo.epsilon_hgh: unknown key";
    QTest::newRow("unknown two deep") << R"({"model": {"lora": {"rank": 4}}})" << "model.lora.rank: unknown key";
    QTest::newRow("section of wrong type") << R"({"grpo": 3})" << "grpo: expected an object, found an integer";
    QTest::newRow("string for integer") << R"({"grpo": {"num_generations": "8"}})"
                                        << "grpo.num_generations: expected an integer, found a string";
    QTest::newRow("integer for boolean") << R"({"sft": {"packing": 1}})" << "sft.packing: expected true or false, found an integer";
    QTest::newRow("fraction for integer") << R"({"seed": 1.5})" << "seed: expected an integer, found 1.5";
    QTest::newRow("number for string") << R"({"recipe": 2})" << "recipe: expected a string, found an integer";
    QTest::newRow("list of non-strings") << R"({"model": {"lora": {"target_modules": ["q_proj", 3]}}})"
                                         << "model.lora.target_modules[1]: expected a string, found an integer";
    QTest::newRow("top_p above 1") << R"({"grpo": {"top_p": 1.5}})" << "grpo.top_p: expected a number in (0, 1], found 1.5";
    QTest::newRow("temperature 0") << R"({"grpo": {"temperature": 0}})" << "grpo.temperature: expected a number > 0, found 0";
    QTest::newRow("one generation") << R"({"grpo": {"num_generations": 1}})"
                                    << "grpo.num_generations: expected an integer >= 2, found 1";
    QTest::newRow("epsilon 0") << R"({"grpo": {"epsilon": 0}})" << "grpo.epsilon: expected a number in (0, 1), found 0";
    QTest::newRow("negative beta") << R"({"grpo": {"beta": -0.1}})" << "grpo.beta: expected a number >= 0, found -0.1";
    QTest::newRow("epsilon_high < epsilon") << R"({"grpo": {"epsilon": 0.2, "epsilon_high": 0.1}})"
                                            << "grpo.epsilon_high: must be >= epsilon (0.2), found 0.1";
    QTest::newRow("batch not a multiple of G") << R"({"grpo": {"num_generations": 3}})"
                                               << "grpo.per_device_train_batch_size: per_device_train_batch_size x "
                                                  "gradient_accumulation_steps (8 x 1 = 8) must be a multiple of "
                                                  "num_generations (3)";
    QTest::newRow("max_steps 0") << R"({"sft": {"max_steps": 0}})" << "sft.max_steps: expected -1 (train for num_train_epochs)";
    QTest::newRow("unknown loss") << R"({"grpo": {"loss_type": "ppo"}})" << "grpo.loss_type: 'ppo' is not one of grpo, bnpo, dr_grpo, dapo";
    QTest::newRow("scale_rewards number") << R"({"grpo": {"scale_rewards": 1}})" << "grpo.scale_rewards: expected \"group\"";
    QTest::newRow("unknown trainer") << R"({"trainer": "dpo"})" << "trainer: 'dpo' is not one of sft, grpo";
    QTest::newRow("unknown device") << R"({"device": "gpu"})" << "device: 'gpu' is not one of auto, cpu, cuda, cuda:N";
    QTest::newRow("hf without path") << R"({"model": {"source": "hf"}})" << "model.path: is required when model.source is \"hf\"";
    QTest::newRow("lora dropout 1") << R"({"model": {"lora": {"lora_dropout": 1.0}}})"
                                    << "model.lora.lora_dropout: expected a number in [0, 1), found 1";
    QTest::newRow("temporal bounds") << R"({"data": {"split": "temporal", "valid_from": 10, "test_from": 5}})"
                                     << "data.test_from: must be > data.valid_from (10) for a temporal split, found 5";
    QTest::newRow("unknown reward preset") << R"({"rewards": "nope"})" << "rewards: reward preset 'nope' does not exist";
    QTest::newRow("reward recipe mismatch") << R"({"recipe": "rating", "rewards": "recllm-r1"})"
                                            << "rewards.recipe: 'list' does not match the run's recipe 'rating'";
    QTest::newRow("reward component typo")
        << R"({"rewards": {"recipe": "list", "components": [{"type": "format", "wieght": 1}]}})"
        << "rewards.components[0].wieght: unknown key";
    QTest::newRow("unknown baseline") << R"({"eval": {"baselines": ["pop", "magic"]}})"
                                      << "eval.baselines[1]: unknown baseline 'magic'";
    QTest::newRow("negative save_total_limit") << R"({"sft": {"save_total_limit": -2}})"
                                               << "sft.save_total_limit: expected an integer >= 0, found -2";
    QTest::newRow("nan_patience 0") << R"({"nan_patience": 0})" << "nan_patience: expected an integer >= 1, found 0";
    QTest::newRow("List k over the pool") << R"({"data": {"pool_size": 5}})"
                                          << "eval.k: a List answer names eval.k items out of the data.pool_size "
                                             "candidates: 10 is more than the pool's 5";
  }
  void errors() {
    QFETCH(QString, config);
    QFETCH(QString, expected);
    const std::string msg = error_of(json::parse(config.toStdString()));
    QVERIFY2(msg.rfind(expected.toStdString(), 0) == 0, msg.c_str());  // the message starts with the field path
  }

  void error_names_where() {
    QCOMPARE(error_of(json::parse(R"({"grpo": {"top_k": -1}})"), "runs/a.json"),
             std::string("runs/a.json: grpo.top_k: expected an integer >= 0, found -1"));
  }

  void round_trip_data() {
    QTest::addColumn<QString>("config");
    QTest::newRow("defaults") << "{}";
    QTest::newRow("rating sft") << R"({"recipe": "rating", "trainer": "sft", "sft": {"packing": true, "max_length": 512}})";
    QTest::newRow("query lora") << R"({"recipe": "query", "model": {"finetune": "lora", "lora": {"use_rslora": true}},
                                     "grpo": {"scale_rewards": "batch", "epsilon_high": 0.28, "beta": 0.04}})";
    QTest::newRow("edited rewards") << R"({"rewards": {"recipe": "list", "components": [
                                         {"type": "format", "weight": 0.5}, {"type": "diversity", "name": "div", "weight": 2}]}})";
  }
  void round_trip() {
    QFETCH(QString, config);
    const rf::RunConfig c = rf::run_config_from_json(json::parse(config.toStdString()));
    const json j = rf::run_config_to_json(c);
    const rf::RunConfig c2 = rf::run_config_from_json(j);
    QVERIFY(c2 == c);
    QCOMPARE(rf::run_config_to_json(c2).dump(), j.dump());
    QCOMPARE(rf::run_config_from_json(json::parse(j.dump())).grpo.adam_epsilon, 1e-8);  // exact through text
  }

  void reward_presets_by_recipe() {
    QCOMPARE(rf::run_config_from_json(json::parse(R"({"recipe": "rating"})")).rewards["name"], json("reczero"));
    QCOMPARE(rf::run_config_from_json(json::parse(R"({"recipe": "query"})")).rewards["name"], json("rec-r1"));
    const rf::RunConfig c = rf::run_config_from_json(json::parse(R"({"rewards": {"recipe": "list", "components": [{"type": "format"}]}})"));
    QCOMPARE(c.rewards["components"][0]["weight"], json(1.0));  // defaults filled in
    QCOMPARE(c.rewards["components"][0]["params"]["bad"], json(-1.0));
  }

  void files() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("run.json").toStdString();
    rf::RunConfig c = rf::run_config_default();
    c.name = "saved";
    c.grpo.temperature = 0.7;
    rf::run_config_save(c, path);
    QVERIFY(rf::run_config_load(path) == c);
    const std::string missing = dir.filePath("missing.json").toStdString();
    try {
      rf::run_config_load(missing);
      QFAIL("no error");
    } catch (const rf::Error& e) {
      QCOMPARE(std::string(e.what()), missing + ": cannot open the run config");
    }
    std::ofstream(path) << R"({"grpo": {"beta": "high"}})";
    try {
      rf::run_config_load(path);
      QFAIL("no error");
    } catch (const rf::Error& e) {
      QCOMPARE(std::string(e.what()), path + ": grpo.beta: expected a number, found a string");
    }
    std::ofstream(path) << "{\"seed\": ";
    try {
      rf::run_config_load(path);
      QFAIL("no error");
    } catch (const rf::Error& e) {
      QVERIFY2(std::string(e.what()).rfind(path + ": not valid JSON", 0) == 0, e.what());
    }
  }

  // docs/config.md has one table row per field: | `path` | `default as JSON` | meaning |
  void docs_list_every_field() {
    const std::string doc_path = std::string(RECFORGE_FIXTURES_DIR) + "/../../docs/config.md";
    std::ifstream in(doc_path);
    QVERIFY2(in.good(), doc_path.c_str());
    std::map<std::string, std::string> rows;
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("| `", 0) != 0) continue;
      const size_t a = line.find('`', 3);
      const size_t b = line.find("| `", a);
      const size_t c = b == std::string::npos ? b : line.find("` |", b + 3);
      if (a == std::string::npos || c == std::string::npos) continue;
      rows[line.substr(3, a - 3)] = line.substr(b + 3, c - b - 3);
    }
    const json defaults = rf::run_config_to_json(rf::run_config_default());
    std::vector<std::string> paths;
    leaf_paths(defaults, "", paths);
    for (const std::string& p : paths) {
      QVERIFY2(rows.count(p), ("docs/config.md has no row for " + p).c_str());
      if (p == "rewards") continue;  // documented as "the recipe's preset"
      json doc;
      try {
        doc = json::parse(rows[p]);
      } catch (const json::parse_error&) {
        QFAIL(("docs/config.md: default of " + p + " is not JSON: " + rows[p]).c_str());
      }
      QVERIFY2(doc == defaults.at(pointer_of(p)),
               ("docs/config.md: " + p + " says " + rows[p] + ", the code " + defaults.at(pointer_of(p)).dump()).c_str());
    }
  }
};

RF_TEST_SUITE(TestRunConfig);
#include "test_run_config.moc"
