// Tests for chat formats (ChatML, Llama 3: rendering against hand-written strings, special ids after
// encoding, family detection) and the byte-level BPE trainer (round trip through tokenizer.json, vocab size,
// special tokens, determinism, option errors).
#include "text/bpe_trainer.h"
#include "text/chat_format.h"
#include "text/tokenizer.h"
#include "text_fixtures.h"
#include "util/error.h"
#include "util/file_io.h"

#include "support/suite_registry.h"

#include <QtTest/QtTest>

namespace {

using Ids = std::vector<int32_t>;
using Messages = std::vector<rf::ChatMessage>;

std::vector<std::string> corpus_strings() {
  const nlohmann::json corpus = nlohmann::json::parse(rf::file_read_all(std::string(RECFORGE_FIXTURES_DIR) + "/tokenizers/corpus.json"));
  return corpus.get<std::vector<std::string>>();
}

rf::BpeTrainerOptions trainer_options(int64_t vocab_size) {
  rf::BpeTrainerOptions o;
  o.vocab_size = vocab_size;
  o.min_frequency = 2;
  o.special_tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
  return o;
}

}  // namespace

Q_DECLARE_METATYPE(Messages)
Q_DECLARE_METATYPE(rf::ChatFamily)

class TestChatAndTrainer : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void render_data() {
    QTest::addColumn<rf::ChatFamily>("family");
    QTest::addColumn<Messages>("messages");
    QTest::addColumn<bool>("generation_prompt");
    QTest::addColumn<QString>("prefill");
    QTest::addColumn<QString>("expected");
    const Messages sys_user = {{"system", "You are a recommender."}, {"user", "Hi"}};
    QTest::newRow("chatml system+user, prompt")
        << rf::ChatFamily::ChatML << sys_user << true << ""
        << "<|im_start|>system\nYou are a recommender.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
    QTest::newRow("chatml no prompt") << rf::ChatFamily::ChatML << Messages{{"user", "Hi"}} << false << ""
                                      << "<|im_start|>user\nHi<|im_end|>\n";
    QTest::newRow("chatml prefill") << rf::ChatFamily::ChatML << Messages{{"user", "Hi"}} << true << "<think>\n"
                                    << "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n";
    QTest::newRow("chatml multi-turn keeps content as is")
        << rf::ChatFamily::ChatML << Messages{{"user", " a "}, {"assistant", "b"}, {"user", "c\n"}} << false << ""
        << "<|im_start|>user\n a <|im_end|>\n<|im_start|>assistant\nb<|im_end|>\n<|im_start|>user\nc\n<|im_end|>\n";
    QTest::newRow("llama3 system+user, prompt")
        << rf::ChatFamily::Llama3 << Messages{{"system", "S"}, {"user", "  Hi\n"}} << true << ""
        << "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
           "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    QTest::newRow("llama3 prefill implies the prompt")
        << rf::ChatFamily::Llama3 << Messages{{"user", "Hi"}} << false << "Sure"
        << "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
           "<|start_header_id|>assistant<|end_header_id|>\n\nSure";
    QTest::newRow("llama3 empty conversation") << rf::ChatFamily::Llama3 << Messages{} << false << "" << "<|begin_of_text|>";
  }
  void render() {
    QFETCH(rf::ChatFamily, family);
    QFETCH(Messages, messages);
    QFETCH(bool, generation_prompt);
    QFETCH(QString, prefill);
    QFETCH(QString, expected);
    QCOMPARE(QString::fromStdString(rf::chat_format_render(family, messages, generation_prompt, prefill.toStdString())), expected);
  }

  void chatml_encodes_to_special_ids() {
    const rf::Tokenizer& qwen = text_test::fixture_tokenizer("qwen3");
    const std::string text = rf::chat_format_render(rf::ChatFamily::ChatML, {{"user", "hi"}}, true);
    const Ids ids = qwen.encode(text);
    QCOMPARE(ids, (Ids{151644, 872, 198, 6023, 151645, 198, 151644, 77091, 198}));
    QCOMPARE(qwen.decode(ids), text);
  }

  void llama3_encodes_to_special_ids() {
    const rf::Tokenizer& llama3 = text_test::fixture_tokenizer("llama3");
    const std::string text = rf::chat_format_render(rf::ChatFamily::Llama3, {{"user", "hi"}}, true);
    QCOMPARE(llama3.encode(text), (Ids{128000, 128006, 882, 128007, 271, 6151, 128009, 128006, 78191, 128007, 271}));
  }

  void detect_family() {
    QCOMPARE(rf::chat_family_detect(text_test::fixture_tokenizer("qwen3")), rf::ChatFamily::ChatML);
    QCOMPARE(rf::chat_family_detect(text_test::fixture_tokenizer("llama3")), rf::ChatFamily::Llama3);
    try {
      rf::chat_family_detect(text_test::fixture_tokenizer("llama2"));
      QFAIL("expected an error for a tokenizer without chat tokens");
    } catch (const rf::Error& e) {
      QVERIFY(std::string(e.what()).find("no known chat format") != std::string::npos);
    }
    QCOMPARE(rf::chat_family_from_name("chatml"), rf::ChatFamily::ChatML);
    QCOMPARE(rf::chat_family_from_name("llama3"), rf::ChatFamily::Llama3);
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::chat_family_from_name("vicuna"));
  }

  void trainer_round_trip_data() {
    QTest::addColumn<QString>("text");
    QTest::newRow("english") << "Hello, world! The movie was great: 9/10.";
    QTest::newRow("accents") << "D\u00e9j\u00e0 vu \u2014 na\u00efve caf\u00e9, e\u0301 combining";
    QTest::newRow("cjk") << "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \ud55c\uad6d\uc5b4";
    QTest::newRow("emoji zwj") << "family \U0001F468\u200d\U0001F469\u200d\U0001F467 \U0001F44D\U0001F3FD";
    QTest::newRow("whitespace") << "tabs\tand\nnewlines\r\n   indented\n\n\n  trailing   ";
    QTest::newRow("special tokens") << "<|im_start|>user\nRecommend 3 movies.<|im_end|>\n<|im_start|>assistant\n";
    QTest::newRow("numbers") << "3.14159 and -42 and 1e-6 (1995) 0x1F";
    QTest::newRow("control bytes") << "\x01\x02\x7f bell\x07";
    QTest::newRow("empty") << "";
  }
  void trainer_round_trip() {
    QFETCH(QString, text);
    const rf::Tokenizer& tok = trained_tokenizer();
    const std::string s = text.toStdString();
    const Ids ids = tok.encode(s);
    QCOMPARE(QString::fromStdString(tok.decode(ids)), text);
    for (int32_t id : ids) QVERIFY(id >= 0 && id < tok.vocab_size());
  }

  void trainer_vocabulary() {
    const rf::Tokenizer& tok = trained_tokenizer();
    QCOMPARE(tok.vocab_size(), int64_t{700});
    QCOMPARE(tok.encode("<|endoftext|>"), Ids{0});
    QCOMPARE(tok.encode("<|im_start|>"), Ids{1});
    QCOMPARE(tok.encode("<|im_end|>"), Ids{2});
    QVERIFY(tok.is_special(0) && tok.is_special(2) && !tok.is_special(3));
    QCOMPARE(tok.eos_ids().front(), 0);
    QCOMPARE(tok.pad_id().value_or(-1), 0);
    QVERIFY(tok.has_chat_template());
    QCOMPARE(rf::chat_family_detect(tok), rf::ChatFamily::ChatML);
    // It learned something: common English compresses well below one token per byte.
    const std::string sample = "The Matrix (1999) and The Lord of the Rings";
    QVERIFY(tok.encode(sample).size() < sample.size() / 2);
  }

  void trainer_is_deterministic() {
    const std::vector<std::string> texts = corpus_strings();
    const rf::BpeTrainerResult a = rf::bpe_train(texts, trainer_options(400));
    const rf::BpeTrainerResult b = rf::bpe_train(texts, trainer_options(400));
    QCOMPARE(a.tokenizer_json, b.tokenizer_json);
    QCOMPARE(a.vocab_size, int64_t{400});
    QCOMPARE(a.merge_count, int64_t{400 - 259});
  }

  void trainer_stops_when_text_runs_out() {
    const rf::BpeTrainerResult r = rf::bpe_train({"abab abab"}, trainer_options(5000));
    QVERIFY(r.vocab_size < 5000);
    const rf::Tokenizer tok = rf::Tokenizer::from_json_text(r.tokenizer_json, r.tokenizer_config_json, "small");
    QCOMPARE(tok.decode(tok.encode("abab abab")), std::string("abab abab"));
  }

  void trainer_option_errors() {
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::BpeTrainer(trainer_options(100)));
    rf::BpeTrainerOptions twice = trainer_options(1000);
    twice.special_tokens.push_back("<|im_end|>");
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::BpeTrainer{twice});
    rf::BpeTrainerOptions empty = trainer_options(1000);
    empty.special_tokens.push_back("");
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::BpeTrainer{empty});
    rf::BpeTrainerOptions unknown_eos = trainer_options(1000);
    unknown_eos.eos_token = "</s>";
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::BpeTrainer{unknown_eos});
    rf::BpeTrainer trainer(trainer_options(1000));
    QVERIFY_THROWS_EXCEPTION(rf::Error, trainer.add_file("/nonexistent/corpus.txt"));
  }

 private:
  // Trained once on the fixture corpus (repeated, plus a synthetic catalogue), written and loaded back.
  const rf::Tokenizer& trained_tokenizer() {
    static std::unique_ptr<rf::Tokenizer> tok;
    if (!tok) {
      std::vector<std::string> texts = corpus_strings();
      for (int i = 0; i < 400; ++i)
        texts.push_back("<|im_start|>user\nItem " + std::to_string(i) + ": The Movie Number " + std::to_string(i * 7) +
                        " (19" + std::to_string(50 + i % 50) + ")<|im_end|>\n");
      rf::BpeTrainer trainer(trainer_options(700));
      for (const std::string& t : texts) trainer.add_text(t);
      const rf::BpeTrainerResult result = trainer.train();
      QTemporaryDir dir;
      rf::bpe_trainer_write(result, dir.path().toStdString());
      tok = std::make_unique<rf::Tokenizer>(rf::Tokenizer::load(dir.path().toStdString()));
    }
    return *tok;
  }
};

RF_TEST_SUITE(TestChatAndTrainer);

#include "test_chat_trainer.moc"
