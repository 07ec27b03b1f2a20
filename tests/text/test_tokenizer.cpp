// Tests for rf::Tokenizer: parity with the reference encodings of the fixture tokenizers (every case of
// qwen3, llama3 and llama2), added-token flags, decoding and its clean-up, NFC, special-token handling,
// thread safety, and bad input (each an rf::Error naming the file, never a crash).
#include "text/tokenizer.h"
#include "text/tokenizer_impl.h"
#include "text/unicode.h"
#include "text/unicode_normalize.h"
#include "text_fixtures.h"
#include "util/error.h"
#include "util/file_io.h"

#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <thread>

namespace {

using nlohmann::json;
using Ids = std::vector<int32_t>;

struct ReferenceCase {
  std::string text, decoded;
  Ids ids;
};

const std::vector<ReferenceCase>& reference_cases(const std::string& family) {
  static std::map<std::string, std::vector<ReferenceCase>> cache;
  auto& cases = cache[family];
  if (cases.empty()) {
    const json ref = json::parse(rf::file_read_all(text_test::fixture_dir(family) + "/reference.json"));
    for (const json& c : ref.at("cases"))
      cases.push_back({c.at("text").get<std::string>(), c.at("decoded").get<std::string>(), c.at("ids").get<Ids>()});
  }
  return cases;
}

QString show(const Ids& ids) { return QString::fromStdString(json(ids).dump()); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const rf::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

class TestTokenizer : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void parity_data() {
    QTest::addColumn<QString>("family");
    QTest::addColumn<int>("index");
    for (const char* family : {"qwen3", "llama3", "llama2"}) {
      const auto& cases = reference_cases(family);
      for (size_t i = 0; i < cases.size(); ++i) {
        const QString name = QString("%1/%2 %3").arg(family).arg(i, 3, 10, QChar('0')).arg(QString::fromStdString(cases[i].text).left(24));
        QTest::newRow(name.toUtf8().constData()) << QString(family) << static_cast<int>(i);
      }
    }
  }
  void parity() {
    QFETCH(QString, family);
    QFETCH(int, index);
    const rf::Tokenizer& tok = text_test::fixture_tokenizer(family.toStdString());
    const ReferenceCase& c = reference_cases(family.toStdString())[static_cast<size_t>(index)];
    const Ids got = tok.encode(c.text);
    QVERIFY2(got == c.ids, qPrintable("got " + show(got) + "\nwant " + show(c.ids)));
    QCOMPARE(QString::fromStdString(tok.decode(c.ids)), QString::fromStdString(c.decoded));
  }

  void fixture_properties() {
    const rf::Tokenizer& qwen = text_test::fixture_tokenizer("qwen3");
    QCOMPARE(qwen.vocab_size(), int64_t{151669});
    QVERIFY(qwen.byte_level());
    QVERIFY(!qwen.bos_id());
    QCOMPARE(qwen.pad_id().value_or(-1), 151643);
    const Ids qwen_eos = qwen.eos_ids();
    QVERIFY(qwen_eos.size() >= 2);
    QCOMPARE(qwen_eos[0], 151645);  // <|im_end|> from tokenizer_config.json first
    QVERIFY(std::find(qwen_eos.begin(), qwen_eos.end(), 151643) != qwen_eos.end());
    QVERIFY(qwen.is_special(151644));
    QVERIFY(!qwen.is_special(151667));  // <think> is added but not special
    QVERIFY(!qwen.is_special(100));
    QCOMPARE(qwen.token_to_id("<|im_start|>").value_or(-1), 151644);
    QCOMPARE(qwen.token_to_id("\xC4\xA0the").value_or(-1), 279);  // "Ġthe"
    QVERIFY(!qwen.token_to_id("no such token"));
    QCOMPARE(QString::fromStdString(qwen.id_to_token(151645)), QString("<|im_end|>"));
    QVERIFY(qwen.has_chat_template());
    QVERIFY(!qwen.clean_up_tokenization_spaces());

    const rf::Tokenizer& llama3 = text_test::fixture_tokenizer("llama3");
    QCOMPARE(llama3.vocab_size(), int64_t{128256});
    QCOMPARE(llama3.bos_id().value_or(-1), 128000);
    QCOMPARE(llama3.eos_ids().front(), 128001);
    const Ids l3_eos = llama3.eos_ids();
    QVERIFY(std::find(l3_eos.begin(), l3_eos.end(), 128009) != l3_eos.end());  // <|eot_id|>
    QVERIFY(llama3.clean_up_tokenization_spaces());

    const rf::Tokenizer& llama2 = text_test::fixture_tokenizer("llama2");
    QCOMPARE(llama2.vocab_size(), int64_t{32000});
    QVERIFY(!llama2.byte_level());
    QCOMPARE(llama2.bos_id().value_or(-1), 1);
    QCOMPARE(llama2.eos_ids(), Ids{2});
  }

  void add_special_tokens() {
    // llama2: TemplateProcessing puts <s> first; qwen3 and this llama3 file have a ByteLevel post-processor only.
    QCOMPARE(text_test::fixture_tokenizer("llama2").encode("Hello", true), (Ids{1, 22557}));
    QCOMPARE(text_test::fixture_tokenizer("qwen3").encode("Hello", true), (Ids{9707}));
    QCOMPARE(text_test::fixture_tokenizer("llama3").encode("Hello", true), (Ids{9906}));
    // The Llama 3 post-processor as Meta ships it: Sequence[ByteLevel, TemplateProcessing(<|begin_of_text|> $A)].
    json bos_template = {{"type", "TemplateProcessing"},
                         {"single", {{{"SpecialToken", {{"id", "<bos>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
                         {"special_tokens", {{"<bos>", {{"id", "<bos>"}, {"ids", {300}}, {"tokens", {"<bos>"}}}}}}};
    json post = {{"type", "Sequence"}, {"processors", {{{"type", "ByteLevel"}}, bos_template}}};
    json added = {{{"id", 300}, {"content", "<bos>"}, {"special", true}}};
    const rf::Tokenizer tok = rf::Tokenizer::from_json_text(text_test::tiny_tokenizer_json(added, nullptr, post).dump(), "tiny.json");
    QCOMPARE(tok.encode("ab", true), (Ids{300, 97, 98}));
    QCOMPARE(tok.encode("ab", false), (Ids{97, 98}));
  }

  void added_token_flags_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");  // JSON ids
    QTest::newRow("lstrip swallows the space before") << "a <mask> b" << "[97,300,32,98]";
    QTest::newRow("lstrip at the start") << "<mask>x" << "[300,120]";
    QTest::newRow("rstrip swallows the spaces after") << "x[R]  y" << "[120,301,121]";
    QTest::newRow("single_word only standalone")
        << "cat concat cats cat" << "[302,32,99,111,110,99,97,116,32,99,97,116,115,32,302]";
    QTest::newRow("single_word before punctuation") << "cat." << "[302,46]";
    QTest::newRow("normalized token after NFC") << "e\u0301!" << "[303,33]";
    QTest::newRow("normalized token precomposed") << "\u00e9!" << "[303,33]";
    QTest::newRow("longest match wins") << "<bos><b" << "[304,305]";
    QTest::newRow("no partial match") << "<bo" << "[305,111]";
    QTest::newRow("merges apply around tokens") << "ab<bos>ab" << "[400,304,400]";
  }
  void added_token_flags() {
    QFETCH(QString, text);
    QFETCH(QString, expected);
    const rf::Tokenizer tok = flags_tokenizer();
    const Ids got = tok.encode(text.toStdString());
    QCOMPARE(QString::fromStdString(json(got).dump()), expected);
  }

  void metaspace_and_unknowns() {
    // SentencePiece-style without a normalizer: Metaspace pre-tokenizer and decoder, <unk> fused.
    const std::string sp = "\xE2\x96\x81";  // ▁
    json vocab = {{"<unk>", 0}, {sp, 1}, {"a", 2}, {"b", 3}, {sp + "a", 4}, {sp + "b", 5}};
    json j = {{"model", {{"type", "BPE"}, {"unk_token", "<unk>"}, {"fuse_unk", true}, {"vocab", vocab}, {"merges", {sp + " a", sp + " b"}}}},
              {"added_tokens", {{{"id", 0}, {"content", "<unk>"}, {"special", true}}}},
              {"pre_tokenizer", {{"type", "Metaspace"}, {"replacement", sp}, {"prepend_scheme", "always"}, {"split", true}}},
              {"decoder", {{"type", "Metaspace"}, {"replacement", sp}, {"prepend_scheme", "always"}}}};
    const rf::Tokenizer tok = rf::Tokenizer::from_json_text(j.dump(), "sp.json");
    QVERIFY(!tok.byte_level());
    QCOMPARE(tok.encode("a b ab"), (Ids{4, 5, 4, 3}));
    QCOMPARE(tok.encode("axyzb"), (Ids{4, 0, 3}));  // x, y, z are unknown: one fused <unk>
    QCOMPARE(QString::fromStdString(tok.decode({4, 5, 4, 3})), QString("a b ab"));
    QCOMPARE(QString::fromStdString(tok.decode({4, 0, 3}, true)), QString("ab"));
    // "first": only the text's first piece gets the prefix.
    j["pre_tokenizer"]["prepend_scheme"] = "first";
    const rf::Tokenizer first = rf::Tokenizer::from_json_text(j.dump(), "sp.json");
    QCOMPARE(first.encode("a<unk>a"), (Ids{4, 0, 2}));
  }

  void decode_special_and_holes() {
    const rf::Tokenizer tok = flags_tokenizer();
    QCOMPARE(QString::fromStdString(tok.decode({304, 97, 305})), QString("<bos>a<b"));
    QCOMPARE(QString::fromStdString(tok.decode({304, 97, 305}, true)), QString("a<b"));  // 305 is not special
    QCOMPARE(QString::fromStdString(tok.decode({97, 270, 98})), QString("ab"));          // 270 names no token: skipped
    QVERIFY(error_of([&] { tok.id_to_token(270); }).find("270") != std::string::npos);
    // Partial UTF-8 becomes U+FFFD; an added token between byte runs splits them.
    QCOMPARE(QString::fromStdString(tok.decode({0xC3, 0xA9, 0xC3})), QString("\u00e9\uFFFD"));
    QCOMPARE(QString::fromStdString(tok.decode({0xE6, 304, 0x97, 0xA5})), QString("\uFFFD<bos>\uFFFD\uFFFD"));
  }

  void decode_out_of_range_is_an_error() {
    const rf::Tokenizer& tok = text_test::fixture_tokenizer("qwen3");
    for (int32_t id : {-1, 151669, 1 << 30}) {
      const std::string message = error_of([&] { tok.decode({9707, id}); });
      QVERIFY2(message.find(std::to_string(id)) != std::string::npos, message.c_str());
      QVERIFY2(message.find("tokenizer.json") != std::string::npos, message.c_str());
    }
    QVERIFY(error_of([&] { tok.id_to_token(-5); }) != "(no error)");
    QVERIFY(error_of([&] { text_test::fixture_tokenizer("llama2").decode({32000}); }) != "(no error)");
  }

  void decode_skip_special_tokens() {
    const rf::Tokenizer& tok = text_test::fixture_tokenizer("qwen3");
    const Ids ids = tok.encode("<|im_start|>user\nhi<|im_end|>\n<think>x</think>");
    QCOMPARE(QString::fromStdString(tok.decode(ids, true)), QString("user\nhi\n<think>x</think>"));
    const rf::Tokenizer& llama2 = text_test::fixture_tokenizer("llama2");
    QCOMPARE(QString::fromStdString(llama2.decode(llama2.encode("Hi there", true), true)), QString("Hi there"));
  }

  void decode_cleanup_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::newRow("period") << "Hello , world ." << "Hello, world.";
    QTest::newRow("question and bang") << "Why ? Now !" << "Why? Now!";
    QTest::newRow("contractions") << "I 'm sure it 's , they 've , we 're , don n't" << "I'm sure it's, they've, we're, donn't";
    QTest::newRow("lone quote") << "a ' b" << "a'b";
    QTest::newRow("nothing to do") << "plain text" << "plain text";
  }
  void decode_cleanup() {
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(QString::fromStdString(rf::text::clean_up_tokenization(input.toStdString())), expected);
    // llama3 has clean_up_tokenization_spaces: decoding applies it.
    const rf::Tokenizer& llama3 = text_test::fixture_tokenizer("llama3");
    QCOMPARE(QString::fromStdString(llama3.decode(llama3.encode(input.toStdString()))), expected);
  }

  void nfc_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("nfc");
    QTest::addColumn<QString>("nfd");
    const char* rows[][3] = {
        {"e\u0301", "\u00e9", "e\u0301"},
        {"A\u030a", "\u00c5", "A\u030a"},
        {"\u212b", "\u00c5", "A\u030a"},
        {"\u2126", "\u03a9", "\u03a9"},
        {"\u1100\u1161\u11a8", "\uac01", "\u1100\u1161\u11a8"},
        {"\uac00\u11a8", "\uac01", "\u1100\u1161\u11a8"},
        {"\u1100\u1161\u11a8\u11a8", "\uac01\u11a8", "\u1100\u1161\u11a8\u11a8"},
        {"a\u0323\u0307", "\u1ea1\u0307", "a\u0323\u0307"},
        {"a\u0307\u0323", "\u1ea1\u0307", "a\u0323\u0307"},
        {"\u1e9b\u0323", "\u1e9b\u0323", "\u017f\u0323\u0307"},
        {"\u0344", "\u0308\u0301", "\u0308\u0301"},
        {"e\u0301\u0301", "\u00e9\u0301", "e\u0301\u0301"},
        {"\u0f73", "\u0f71\u0f72", "\u0f71\u0f72"},
        {"\ufb01", "\ufb01", "\ufb01"},
        {"x\u0300y", "x\u0300y", "x\u0300y"},
        {"\u0915\u093c", "\u0915\u093c", "\u0915\u093c"},
        {"\ud55c\uad6d", "\ud55c\uad6d", "\u1112\u1161\u11ab\u1100\u116e\u11a8"},
        {"\u03b1\u0301", "\u03ac", "\u03b1\u0301"},
        {"\u0438\u0306", "\u0439", "\u0438\u0306"},
        {"\u0415\u0308", "\u0401", "\u0415\u0308"},
        {"\u03c9\u0314\u0342\u0345", "\u1fa7", "\u03c9\u0314\u0342\u0345"},
        {"caf\u00e9 e\u0301 ok\u2126", "caf\u00e9 \u00e9 ok\u03a9", "cafe\u0301 e\u0301 ok\u03a9"},
    };
    for (const auto& r : rows) QTest::newRow(r[0]) << QString::fromUtf8(r[0]) << QString::fromUtf8(r[1]) << QString::fromUtf8(r[2]);
  }
  void nfc() {
    QFETCH(QString, input);
    QFETCH(QString, nfc);
    QFETCH(QString, nfd);
    const std::string in = input.toStdString();
    QCOMPARE(QString::fromStdString(rf::text::nfc(in)), nfc);
    QCOMPARE(QString::fromStdString(rf::text::nfd(in)), nfd);
    QCOMPARE(QString::fromStdString(rf::text::nfc(rf::text::nfd(in))), nfc);
    if (!rf::text::nfc_may_change(in)) QCOMPARE(QString::fromStdString(in), nfc);
  }

  // Expected values are Python's str.strip() on the same strings (U+3000 and U+00A0 are White_Space,
  // U+200B is not).
  void utf8_trim_data() {
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("ascii") << QByteArray(" \t a b \n") << QByteArray("a b");
    QTest::newRow("all white") << QByteArray(" \r\n\t ") << QByteArray("");
    QTest::newRow("empty") << QByteArray("") << QByteArray("");
    QTest::newRow("ideographic space") << QByteArray("\u3000\u65e5\u3000") << QByteArray("\u65e5");
    QTest::newRow("no-break space") << QByteArray("\u00a0x\u00a0") << QByteArray("x");
    QTest::newRow("zero width space kept") << QByteArray("\u200bx\u200b") << QByteArray("\u200bx\u200b");
    QTest::newRow("cut character kept") << QByteArray("x \xe3\x80") << QByteArray("x \xe3\x80");
  }
  void utf8_trim() {
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, expected);
    const std::string_view got = rf::text::utf8_trim(std::string_view(input.constData(), static_cast<size_t>(input.size())));
    QCOMPARE(QByteArray(got.data(), static_cast<qsizetype>(got.size())), expected);
  }

  void invalid_utf8_and_long_input() {
    const rf::Tokenizer& qwen = text_test::fixture_tokenizer("qwen3");
    const std::string broken = "\xff\xfe abc \xc3";
    QCOMPARE(QString::fromStdString(qwen.decode(qwen.encode(broken))), QString("\uFFFD\uFFFD abc \uFFFD"));
    QVERIFY(!text_test::fixture_tokenizer("llama2").encode(broken).empty());
    std::string long_text(30000, 'a');
    for (int i = 0; i < 500; ++i) long_text += "\u65e5\u672c x";
    for (const char* family : {"qwen3", "llama3", "llama2"}) {
      const rf::Tokenizer& tok = text_test::fixture_tokenizer(family);
      const Ids ids = tok.encode(long_text);
      QVERIFY(ids.size() < long_text.size() / 2);
      QCOMPARE(tok.decode(ids), long_text);
    }
  }

  void concurrent_encoding_matches() {
    const rf::Tokenizer& tok = text_test::fixture_tokenizer("qwen3");
    const auto& cases = reference_cases("qwen3");
    std::vector<int> failures(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        const rf::Tokenizer copy = tok;  // copies share the loaded state
        for (int round = 0; round < 3; ++round)
          for (const ReferenceCase& c : cases)
            if (copy.encode(c.text) != c.ids) ++failures[static_cast<size_t>(t)];
      });
    }
    for (auto& th : threads) th.join();
    QCOMPARE(failures, std::vector<int>(4, 0));
  }

  void bad_input_data() {
    QTest::addColumn<QString>("json_text");
    QTest::addColumn<QString>("expected");  // a part of the message
    const json base = flags_json();
    auto variant = [&](const std::function<void(json&)>& change) {
      json j = base;
      change(j);
      return QString::fromStdString(j.dump());
    };
    QTest::newRow("truncated") << QString::fromStdString(base.dump().substr(0, 300)) << "invalid JSON";
    QTest::newRow("empty file") << "" << "invalid JSON";
    QTest::newRow("not an object") << "[1, 2, 3]" << "expected a JSON object";
    QTest::newRow("missing model") << variant([](json& j) { j.erase("model"); }) << "missing \"model\"";
    QTest::newRow("WordPiece model") << variant([](json& j) { j["model"]["type"] = "WordPiece"; }) << "unsupported model type 'WordPiece'";
    QTest::newRow("Unigram model") << variant([](json& j) { j["model"]["type"] = "Unigram"; }) << "unsupported model type 'Unigram'";
    QTest::newRow("NFKC normalizer") << variant([](json& j) { j["normalizer"] = {{"type", "NFKC"}}; }) << "unsupported normalizer type 'NFKC'";
    QTest::newRow("normalizer in a sequence")
        << variant([](json& j) { j["normalizer"] = {{"type", "Sequence"}, {"normalizers", {{{"type", "NFC"}}, {{"type", "Lowercase"}}}}}; })
        << "normalizer.normalizers[1]: unsupported normalizer type 'Lowercase'";
    QTest::newRow("unknown pre-tokenizer") << variant([](json& j) { j["pre_tokenizer"] = {{"type", "BertPreTokenizer"}}; })
                                          << "unsupported pre-tokenizer type 'BertPreTokenizer'";
    QTest::newRow("unknown split regex")
        << variant([](json& j) { j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "\\w+|\\d"}}}, {"behavior", "Isolated"}}; })
        << "unsupported Split regex '\\w+|\\d'";
    QTest::newRow("ByteLevel not last")
        << variant([](json& j) { j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {{{"type", "ByteLevel"}}, {{"type", "Digits"}}}}}; })
        << "must be the last";
    QTest::newRow("unknown decoder") << variant([](json& j) { j["decoder"] = {{"type", "WordPiece"}}; }) << "unsupported decoder type 'WordPiece'";
    QTest::newRow("unknown post-processor") << variant([](json& j) { j["post_processor"] = {{"type", "Nope"}}; }) << "unsupported post-processor type 'Nope'";
    QTest::newRow("merge of three parts") << variant([](json& j) { j["model"]["merges"] = {"a b c"}; }) << "model.merges[0]";
    QTest::newRow("merge without space") << variant([](json& j) { j["model"]["merges"] = {"ab"}; }) << "model.merges[0]";
    QTest::newRow("merge of unknown token") << variant([](json& j) { j["model"]["merges"] = {"a b", "zz q"}; }) << "'zz' is not in the vocabulary";
    QTest::newRow("merge result missing") << variant([](json& j) { j["model"]["merges"] = {"x y"}; }) << "merged token 'xy'";
    QTest::newRow("merge not a string") << variant([](json& j) { j["model"]["merges"] = {5}; }) << "model.merges[0]";
    QTest::newRow("merges not an array") << variant([](json& j) { j["model"]["merges"] = "a b"; }) << "model.merges";
    QTest::newRow("vocab not an object") << variant([](json& j) { j["model"]["vocab"] = {1, 2}; }) << "model.vocab";
    QTest::newRow("vocab id not a number") << variant([](json& j) { j["model"]["vocab"]["zz"] = "x"; }) << "is not an integer";
    QTest::newRow("vocab id huge") << variant([](json& j) { j["model"]["vocab"]["zz"] = 2000000000; }) << "implausibly large";
    QTest::newRow("vocab id negative") << variant([](json& j) { j["model"]["vocab"]["zz"] = -4; }) << "out of range";
    QTest::newRow("vocab id twice") << variant([](json& j) { j["model"]["vocab"]["zz"] = 97; }) << "is given to both";
    QTest::newRow("added token id") << variant([](json& j) { j["added_tokens"][0]["id"] = -5; }) << "added_tokens[0].id";
    QTest::newRow("added token huge id") << variant([](json& j) { j["added_tokens"][0]["id"] = 1500000000; }) << "implausibly large";
    QTest::newRow("added token empty") << variant([](json& j) { j["added_tokens"][0]["content"] = ""; }) << "empty added token";
    QTest::newRow("added token flag type") << variant([](json& j) { j["added_tokens"][0]["lstrip"] = "yes"; }) << "added_tokens[0].lstrip";
    QTest::newRow("template names unknown token")
        << variant([](json& j) {
             j["post_processor"] = {{"type", "TemplateProcessing"}, {"single", {{{"SpecialToken", {{"id", "<x>"}}}}}}, {"special_tokens", json::object()}};
           })
        << "no entry for '<x>'";
  }
  void bad_input() {
    QFETCH(QString, json_text);
    QFETCH(QString, expected);
    const std::string message = error_of([&] { rf::Tokenizer::from_json_text(json_text.toStdString(), "bad/tiny.json"); });
    QVERIFY2(message.find(expected.toStdString()) != std::string::npos, message.c_str());
    QVERIFY2(message.find("bad/tiny.json") != std::string::npos, message.c_str());
  }

  void bad_files() {
    std::string m = error_of([] { rf::Tokenizer::load("/nonexistent/dir/tokenizer.json"); });
    QVERIFY2(m.find("/nonexistent/dir/tokenizer.json") != std::string::npos, m.c_str());
    QTemporaryDir dir;
    m = error_of([&] { rf::Tokenizer::load(dir.path().toStdString()); });
    QVERIFY2(m.find("no tokenizer.json") != std::string::npos, m.c_str());
    // A broken tokenizer_config.json next to a good tokenizer.json is named.
    rf::file_write_atomic(dir.filePath("tokenizer.json").toStdString(), flags_json().dump());
    rf::file_write_atomic(dir.filePath("tokenizer_config.json").toStdString(), "{\"eos_token\": ");
    m = error_of([&] { rf::Tokenizer::load(dir.path().toStdString()); });
    QVERIFY2(m.find("tokenizer_config.json") != std::string::npos && m.find("invalid JSON") != std::string::npos, m.c_str());
    rf::file_write_atomic(dir.filePath("tokenizer_config.json").toStdString(), "{\"eos_token\": 5}");
    m = error_of([&] { rf::Tokenizer::load(dir.path().toStdString()); });
    QVERIFY2(m.find("tokenizer_config.json: eos_token") != std::string::npos, m.c_str());
    // A good config: names resolve, added_tokens_decoder adds a token the tokenizer.json lacks.
    rf::file_write_atomic(dir.filePath("tokenizer_config.json").toStdString(),
                          R"({"eos_token": {"content": "<bos>"}, "pad_token": "<b", "clean_up_tokenization_spaces": true,
                              "added_tokens_decoder": {"310": {"content": "<extra>", "special": true}}})");
    const rf::Tokenizer tok = rf::Tokenizer::load(dir.filePath("tokenizer.json").toStdString());
    QCOMPARE(tok.eos_ids().front(), 304);
    QCOMPARE(tok.pad_id().value_or(-1), 305);
    QCOMPARE(tok.encode("a<extra>"), (Ids{97, 310}));
    QVERIFY(tok.is_special(310));
    QCOMPARE(tok.vocab_size(), int64_t{401});
    QVERIFY(tok.clean_up_tokenization_spaces());
  }

 private:
  static json flags_json() {
    json added = {
        {{"id", 300}, {"content", "<mask>"}, {"lstrip", true}, {"special", true}},
        {{"id", 301}, {"content", "[R]"}, {"rstrip", true}, {"special", true}},
        {{"id", 302}, {"content", "cat"}, {"single_word", true}},
        {{"id", 303}, {"content", "\u00e9"}, {"normalized", true}},
        {{"id", 304}, {"content", "<bos>"}, {"special", true}},
        {{"id", 305}, {"content", "<b"}},
    };
    return text_test::tiny_tokenizer_json(added, {{"type", "NFC"}}, nullptr, json{"a b"}, json{{"ab", 400}});
  }
  static rf::Tokenizer flags_tokenizer() { return rf::Tokenizer::from_json_text(flags_json().dump(), "tiny.json"); }
};

RF_TEST_SUITE(TestTokenizer);

#include "test_tokenizer.moc"
