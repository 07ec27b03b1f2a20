// Fuzzes the template language for about a minute of wall time with a fixed seed: templates made from the
// presets and hand-written snippets by inserting, deleting, swapping and duplicating characters, splicing
// templates together and dropping in tokens of the template alphabet, plus purely random ones. Every case
// must parse and render or throw rf::TemplateError — never another exception, a crash or a hang (a
// watchdog aborts, printing the case, if one render takes over 10 s). RECFORGE_FUZZ_SECONDS overrides the
// duration (e.g. longer local runs under AddressSanitizer).
#include "text/template.h"
#include "util/file_io.h"

#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

namespace {

using nlohmann::json;

const char* const kSnippets[] = {
    "{{ user.id }} {{ user.history[-1].title | truncate(20) }}",
    "{% for h in user.history | last(3) %}{{ loop.index }}. {{ h.title }}{{ ', ' if not loop.last }}{% else %}none{% endfor %}",
    "{% if user.average_rating is not none and user.average_rating > 3 %}likes{% elif k %}k{% else %}no{% endif %}",
    "{% set ns = namespace(n=0) %}{% for c in candidates %}{% set ns.n = ns.n + c.popularity %}{% endfor %}{{ ns.n }}",
    "{{ candidates | map(attribute='id') | join(', ') }} {{ candidates | sort(attribute='title') | first }}",
    "{{ 1 + 2 * 3 ~ 'x' }} {{ [1, 2][0] }} {{ {'a': 1}['a'] }} {{ 10 // 3 }} {{ 2 ** 8 }} {{ -1 % 5 }}",
    "{%- for c in user.top_categories -%}\n  {{ c.name | upper }}={{ c.count }}\n{%- endfor %}",
    "{# comment #}{{ target.title if target else 'none' }} {{ target.average_rating | round(1) if target }}",
    "{{ user.history | groupby('categories.0', default='?') | map(attribute='grouper') | list }}",
    "{{ 964982703 | date('%A %d %B %Y %H:%M') }} {{ 'a,b'.split(',') }} {{ ' x '.strip() }}",
    "{% for k, v in dataset | items %}{{ k }}={{ v }};{% endfor %}",
    "{{ user.history | selectattr('rating', 'ge', 4) | map(attribute='title') | unique | list | tojson }}",
    "{% set s %}{{ query | default('none') | title }}{% endset %}[{{ s | length }}]",
    "{{ range(5) | select('odd') | list }} {{ xs is defined }} {{ none is none }} {{ 'ell' in 'hello' }}",
    "{{ raise_exception('stop') if k > 100 }}{{ 'ab' * 3 }}{{ [0] * 2 }}",
};

const char* const kTokens[] = {
    "{{", "}}", "{%", "%}", "{#", "#}", "{%-", "-%}", "{{-", "-}}", "{%+", "+%}", "for ", " in ", "endfor", "if ", "elif ",
    "else", "endif", "set ", "endset", " = ", "|", "(", ")", "[", "]", "{", "}", ",", ":", ".", "~", "+", "-", "*", "/", "//",
    "%", "**", "==", "!=", "<", ">=", " and ", " or ", "not ", " is ", "defined", "none", "true", "'", "\"", "\\", "\n",
    "loop.index", "loop", "user.history", "candidates", "k", "range(", "namespace(", "truncate(", "last(", "first(", "round(",
    "date(", "sort(attribute=", "map(attribute=", "join(", "replace(", "default(", "tojson", "length", "upper", "999999999",
    "-1", "1e308", "0.5", "[-10:]", "[::-1]", "\xc3\xa9", "\xe2\x80\xa6", "\xff", "\x01\x7f", "**99",
    "range(99999)", "* 99999", "~ x ~ x", "[[[[", "((((", "raise_exception('x')", "items", ".get(", ".split(",
};

std::string read_text(const std::string& path) {
  try {
    return rf::file_read_all(path);
  } catch (const rf::Error&) {
    return "";
  }
}

// A context with the documented shape (docs/templates.md), small enough that each render is quick.
json fuzz_context() {
  json history = json::array();
  const char* titles[] = {"Toy Story (1995)", "Heat (1995)", "Caf\xc3\xa9 Society", "Up", ""};
  for (int i = 0; i < 5; ++i) {
    history.push_back({{"position", i + 1},
                       {"id", std::to_string(10 + i)},
                       {"title", titles[i]},
                       {"categories", i % 2 ? json::array({"Drama"}) : json::array({"Comedy", "Animation"})},
                       {"tags", json::array()},
                       {"creator", ""},
                       {"text", "text"},
                       {"attributes", {{"year", "1995"}}},
                       {"average_rating", i == 3 ? json(nullptr) : json(3.5 + 0.1 * i)},
                       {"rating_count", i},
                       {"popularity", 10 * i},
                       {"rating", i == 2 ? json(nullptr) : json(1.0 + i)},
                       {"time", 964982703 + 86400 * i},
                       {"date", "2000-07-30"},
                       {"review", ""},
                       {"label", ""}});
  }
  json candidates = json::array();
  for (int i = 0; i < 4; ++i)
    candidates.push_back({{"position", i + 1}, {"id", std::to_string(100 + i)}, {"title", "Item " + std::to_string(i)},
                          {"categories", json::array({"Drama"})}, {"popularity", i}, {"average_rating", nullptr}});
  return {{"recipe", "list"},
          {"k", 3},
          {"query", "red shoes"},
          {"xs", json::array({1, 2, 3})},
          {"dataset", {{"name", "fuzz"}, {"items", 100}, {"users", 10}, {"rating_min", 0.5}, {"rating_max", 5.0}}},
          {"user", {{"id", "u1"}, {"index", 0}, {"profile", ""}, {"history", history}, {"history_count", 5},
                    {"average_rating", 3.2}, {"rating_count", 4},
                    {"top_categories", json::array({{{"name", "Drama"}, {"count", 2}}, {{"name", "Comedy"}, {"count", 3}}})}}},
          {"candidates", candidates},
          {"target", history[1]}};
}

struct FuzzStats {
  int64_t cases = 0, parsed = 0, rendered = 0, template_errors = 0;
  double slowest_ms = 0;
};

class Mutator {
 public:
  Mutator(std::vector<std::string> corpus, uint64_t seed) : corpus_(std::move(corpus)), rng_(seed) {}

  std::string next() {
    const uint64_t kind = below(10);
    if (kind == 0) return random_text();
    std::string s = corpus_[below(corpus_.size())];
    const uint64_t edits = 1 + below(kind < 5 ? 3 : 12);
    for (uint64_t e = 0; e < edits; ++e) mutate(s);
    if (s.size() > 8192) s.resize(8192);
    return s;
  }

 private:
  uint64_t below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  size_t pos(const std::string& s) { return static_cast<size_t>(below(s.size() + 1)); }

  std::string random_token() { return kTokens[below(sizeof kTokens / sizeof kTokens[0])]; }

  std::string random_text() {
    std::string s;
    const uint64_t n = below(40);
    for (uint64_t i = 0; i < n; ++i) {
      if (below(3) == 0) s += static_cast<char>(below(256));
      else s += random_token();
    }
    return s;
  }

  void mutate(std::string& s) {
    switch (below(7)) {
      case 0:  // insert a token
        s.insert(pos(s), random_token());
        break;
      case 1:  // insert a random byte
        s.insert(pos(s), 1, static_cast<char>(below(256)));
        break;
      case 2: {  // delete a span
        if (s.empty()) break;
        const size_t at = static_cast<size_t>(below(s.size()));
        s.erase(at, 1 + static_cast<size_t>(below(8)));
        break;
      }
      case 3: {  // swap two characters
        if (s.size() < 2) break;
        std::swap(s[static_cast<size_t>(below(s.size()))], s[static_cast<size_t>(below(s.size()))]);
        break;
      }
      case 4: {  // duplicate a span
        if (s.empty()) break;
        const size_t at = static_cast<size_t>(below(s.size()));
        const size_t len = 1 + static_cast<size_t>(below(std::min<size_t>(40, s.size() - at)));
        s.insert(pos(s), s.substr(at, len));
        break;
      }
      case 5: {  // splice in part of another template
        const std::string& other = corpus_[below(corpus_.size())];
        const size_t at = static_cast<size_t>(below(other.size() + 1));
        s.insert(pos(s), other.substr(at, static_cast<size_t>(below(80))));
        break;
      }
      default: {  // replace a character with a token
        if (s.empty()) break;
        const size_t at = static_cast<size_t>(below(s.size()));
        s.replace(at, 1, random_token());
        break;
      }
    }
  }

  std::vector<std::string> corpus_;
  std::mt19937_64 rng_;
};

}  // namespace

class TestTemplateFuzz : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void mutated_templates_never_crash_or_hang() {
    const std::string resources = std::string(RECFORGE_FIXTURES_DIR) + "/../../resources/templates";
    std::vector<std::string> corpus(std::begin(kSnippets), std::end(kSnippets));
    for (const char* f : {"list.jinja", "query.jinja", "query_rewrite.jinja", "rating.jinja"}) {
      const std::string text = read_text(resources + "/" + f);
      QVERIFY2(!text.empty(), (resources + "/" + f + " is missing").c_str());
      corpus.push_back(text);
    }
    const json context = fuzz_context();
    const json empty = json::object();
    // Every preset renders against the documented context shape before mutation.
    for (size_t i = sizeof kSnippets / sizeof kSnippets[0]; i < corpus.size(); ++i)
      QVERIFY(!rf::template_render(rf::template_parse(corpus[i], "preset"), context).empty());

    // Tighter limits than the defaults keep each case short, so the minute covers many cases.
    rf::TemplateLimits limits;
    limits.max_loop_iterations = 20000;
    limits.max_work = 2'000'000;
    limits.max_output_bytes = 256 * 1024;
    limits.max_value_size = 256 * 1024;

    double seconds = 60;
    if (const char* env = std::getenv("RECFORGE_FUZZ_SECONDS")) seconds = std::max(1.0, std::atof(env));

    // The watchdog: a case running past 10 s is a hang; print it and abort so the run fails loudly.
    std::mutex mutex;
    std::string current;
    std::atomic<int64_t> case_started_ms{-1};
    std::atomic<bool> done{false};
    const auto t0 = std::chrono::steady_clock::now();
    auto now_ms = [&] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    };
    std::thread watchdog([&] {
      while (!done) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const int64_t started = case_started_ms;
        if (started >= 0 && now_ms() - started > 10000) {
          std::lock_guard<std::mutex> lock(mutex);
          std::fprintf(stderr, "template fuzz: a case ran over 10 s (a hang):\n%s\n", json(current).dump(-1, ' ', true,
                       json::error_handler_t::replace).c_str());
          std::abort();
        }
      }
    });

    Mutator mutator(corpus, 0x5EEDF00DULL);
    FuzzStats stats;
    std::string failure;
    while (now_ms() < seconds * 1000 && failure.empty()) {
      const std::string source = mutator.next();
      {
        std::lock_guard<std::mutex> lock(mutex);
        current = source;
      }
      const int64_t start = now_ms();
      case_started_ms = start;
      ++stats.cases;
      try {
        const rf::Template t = rf::template_parse(source, "fuzz.jinja");
        ++stats.parsed;
        rf::template_render(t, stats.cases % 5 == 0 ? empty : context, limits);
        ++stats.rendered;
      } catch (const rf::TemplateError& e) {
        ++stats.template_errors;
        if (e.line() < 1 || e.column() < 1) failure = std::string("bad location in: ") + e.what();
      } catch (const std::exception& e) {
        failure = std::string("not a TemplateError: ") + e.what();
      }
      case_started_ms = -1;
      stats.slowest_ms = std::max(stats.slowest_ms, static_cast<double>(now_ms() - start));
    }
    done = true;
    watchdog.join();
    if (!failure.empty())
      QFAIL(qPrintable(QString::fromStdString(failure + "\ncase: " + json(current).dump(-1, ' ', true, json::error_handler_t::replace))));
    std::printf("template fuzz: %lld cases in %.0f s (%lld parsed, %lld rendered, %lld template errors; slowest case %.0f ms)\n",
                static_cast<long long>(stats.cases), seconds, static_cast<long long>(stats.parsed),
                static_cast<long long>(stats.rendered), static_cast<long long>(stats.template_errors), stats.slowest_ms);
    std::fflush(stdout);
    QVERIFY(stats.cases > 1000);
    QVERIFY(stats.rendered > 0);
    QVERIFY(stats.template_errors > 0);
  }
};

RF_TEST_SUITE(TestTemplateFuzz);
#include "test_template_fuzz.moc"
