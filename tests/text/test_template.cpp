// Tests for the prompt-template language (core/text/template.h): hand-written rows of (template, context,
// expected output) covering expressions, loops, conditionals, filters, tests, methods and whitespace control
// (the Jinja-compatible rows were checked against Jinja 3.1 with trim_blocks/lstrip_blocks/StrictUndefined;
// the documented differences — truncate without leeway, round halves away from zero — are rows of their
// own), error rows with the expected line, column and message, the limits, and concurrent rendering.
#include "text/template.h"
#include "util/error.h"

#include "support/suite_registry.h"

#include <QtTest/QtTest>

#include <thread>

namespace {

using nlohmann::json;

std::string render(const std::string& source, const std::string& context_json = "{}", const rf::TemplateLimits& limits = {}) {
  return rf::template_render(rf::template_parse(source, "t.jinja"), json::parse(context_json), limits);
}

const char* const kXs = R"({"xs": [1, 2, 3]})";
const char* const kItems = R"({"items": [{"n": "a", "r": 5, "c": "y"}, {"n": "b", "r": 3, "c": "x"}, {"n": "c", "r": 4, "c": "y"}]})";

}  // namespace

class TestTemplate : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void renders_data() {
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("context");
    QTest::addColumn<QString>("expected");
    auto row = [](const char* name, const char* source, const char* context, const char* expected) {
      QTest::newRow(name) << QString::fromUtf8(source) << QString::fromUtf8(context) << QString::fromUtf8(expected);
    };
    // Variables, paths, indices, slices.
    row("plain text", "Hello, world.", "{}", "Hello, world.");
    row("dotted path", "{{ user.id }} likes {{ user.item.title }}", R"({"user": {"id": "u7", "item": {"title": "Heat"}}})",
        "u7 likes Heat");
    row("index and negative index", "{{ xs[0] }} {{ xs[-1] }} {{ xs.1 }} {{ m['a b'] }}", R"({"xs": [1, 2, 3], "m": {"a b": 4}})",
        "1 3 2 4");
    row("slices", "{{ xs[-2:] }} {{ xs[:2] | join(',') }} {{ 'abcdef'[1:4] }} {{ xs[::-1] }} {{ xs[5:] }} {{ 'h\xc3\xa9llo'[1] }}",
        kXs, "[2, 3] 1,2 bcd [3, 2, 1] [] \xc3\xa9");
    // Literals and printing (Python's notation, as Jinja prints).
    row("literals print like python", "{{ [1, 'a', true, none] }} {{ {'k': 'v'} }} {{ ['it\\'s'] }} {{ 1.5 }} {{ 1e3 }}", "{}",
        "[1, 'a', True, None] {'k': 'v'} [\"it's\"] 1.5 1000.0");
    row("context values print", "{{ r }} {{ i }} {{ b }} {{ n }} {{ s }}", R"({"r": 4.0, "i": 4, "b": false, "n": null, "s": "x"})",
        "4.0 4 False None x");
    // Operators.
    row("precedence", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ -2 ** 2 }} {{ 2 ** 3 ** 2 }}", "{}", "7 9 4 64");
    row("division and modulo", "{{ 10 / 4 }} {{ 10 // 4 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 4 / 2 }} {{ 7.5 // 2 }}", "{}",
        "2.5 2 -4 2 -2 2.0 3.0");
    row("concatenation", "{{ 'a' ~ 1 ~ 2.5 ~ none ~ true }}", "{}", "a12.5NoneTrue");
    row("string and list +", "{{ 'ab' + 'cd' }} {{ [1] + [2] }} {{ 'ab' * 2 }} {{ [0] * 3 }}", "{}", "abcd [1, 2] abab [0, 0, 0]");
    row("and/or return an operand", "{{ none or 'fallback' }} {{ 0 and 1 }} {{ not [] }} {{ 1 and 'x' }}", "{}", "fallback 0 True x");
    row("comparisons", "{{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 2 in [1, 2] }} {{ 'ell' in 'hello' }} {{ 3 not in [1] }} {{ 'k' in {'k': 1} }}",
        "{}", "True True True True True True True");
    row("conditional expression", "{{ 1 if false }}|{{ 'y' if 0 else 'n' }}|{{ 'a' if xs else 'b' }}", kXs, "|n|a");
    row("large integers fall back to floats", "{{ 9223372036854775807 + 1 }} {{ 2 ** 70 > 10 ** 20 }}", "{}", "9.223372036854776e+18 True");
    // Loops.
    row("loop counters", "{% for x in xs %}{{ loop.index }}/{{ loop.length }}{{ ',' if not loop.last }}{% endfor %}", kXs, "1/3,2/3,3/3");
    row("loop index0 revindex first", "{% for x in xs[:2] %}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }} {% endfor %}",
        kXs, "021True 110False ");
    row("loop else", "{% for x in [] %}x{% else %}empty{% endfor %}", "{}", "empty");
    row("loop filter", "{% for x in xs if x > 1 %}{{ x }}{{ loop.length }}{% endfor %}", kXs, "2232");
    row("last n items", "{% for x in xs | last(2) %}{{ x }}{% endfor %}|{% for x in xs[-10:] %}{{ x }}{% endfor %}|{{ xs | first(2) }}",
        kXs, "23|123|[1, 2]");
    row("unpacking pairs", "{% for k, v in {'b': 2, 'a': 1} | items %}{{ k }}={{ v }};{% endfor %}", "{}", "a=1;b=2;");
    row("nested loops shadow loop", "{% for r in [[1, 2], [3]] %}{% for c in r %}{{ loop.index }}{% endfor %}{{ loop.index }}|{% endfor %}",
        "{}", "121|12|");
    row("loop over a string and a mapping", "{% for c in 'h\xc3\xa9' %}[{{ c }}]{% endfor %}{% for k in {'b': 1, 'a': 2} %}{{ k }}{% endfor %}",
        "{}", "[h][\xc3\xa9]ab");
    // Conditionals and assignments.
    row("if elif else", "{% for n in [1, 5, 9] %}{% if n < 3 %}low{% elif n < 7 %}mid{% else %}high{% endif %} {% endfor %}", "{}",
        "low mid high ");
    row("tests", "{{ a is defined }} {{ b is defined }} {{ n is none }} {{ a is not none }} {{ 4 is even }} {{ 9 is divisibleby(3) }} {{ 'x' is string }} {{ 1 is number }}",
        R"({"a": 1, "n": null})", "True False True True True True True True");
    row("set", "{% set x = 2 * 3 %}{{ x }}", "{}", "6");
    row("set block", "{% set s %}a{{ 1 }}b{% endset %}[{{ s }}]", "{}", "[a1b]");
    row("set inside a loop stays inside", "{% set y = 1 %}{% for x in xs %}{% set y = x %}{% endfor %}{{ y }}", kXs, "1");
    row("namespace carries out of a loop", "{% set ns = namespace(n=0) %}{% for x in xs %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}", kXs, "6");
    // Filters.
    row("truncate characters", "{{ 'The quick brown fox' | truncate(10) }}|{{ 'The quick brown fox' | truncate(8) }}|{{ 'short' | truncate(10) }}",
        "{}", "The quick\xe2\x80\xa6|The qui\xe2\x80\xa6|short");
    row("truncate counts characters not bytes", "{{ '\xc3\x9cn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 text' | truncate(4) }}|{{ 'abcdef' | truncate(5, end='...') }}",
        "{}", "\xc3\x9cn\xc3\xaf\xe2\x80\xa6|ab...");
    row("truncate_words", "{{ 'one two three' | truncate_words(2) }}|{{ 'one two three' | truncate_words(3) }}", "{}", "one two\xe2\x80\xa6|one two three");
    row("join", "{{ xs | join(', ') }}|{{ items | join('/', attribute='n') }}", R"({"xs": [1, 2, 3], "items": [{"n": "a"}, {"n": "b"}]})",
        "1, 2, 3|a/b");
    row("round", "{{ 3.14159 | round(2) }} {{ 3.7 | round(0, 'floor') }} {{ 3.2 | round(0, 'ceil') }} {{ 7 | round }}", "{}", "3.14 3.0 4.0 7");
    row("round halves away from zero", "{{ 2.5 | round }} {{ -2.5 | round }} {{ 0.125 | round(2) }}", "{}", "3.0 -3.0 0.13");
    row("default", "{{ missing | default('x') }} {{ n | default('y') }} {{ '' | default('z', true) }} {{ 0 | default('w') }} {{ a.b | default('v') }}",
        R"({"n": null, "a": {}})", "x y z 0 v");
    row("case and trim", "{{ 'the dark KNIGHT' | title }} {{ 'hello' | capitalize }} {{ 'ab' | upper }}{{ 'CD' | lower }} {{ '  pad  ' | trim }}|{{ 'xxhixx' | trim('x') }}",
        "{}", "The Dark Knight Hello ABcd pad|hi");
    row("length", "{{ xs | length }} {{ 'h\xc3\xa9llo' | length }} {{ {'a': 1} | length }} {{ xs | count }}", kXs, "3 5 1 3");
    row("date", "{{ 0 | date }} {{ 964982703 | date('%Y-%m-%d %H:%M:%S') }} {{ 951782400 | date('%a %d %b %Y, day %j') }} {{ -86400 | date }}",
        "{}", "1970-01-01 2000-07-30 18:45:03 Tue 29 Feb 2000, day 060 1969-12-31");
    row("date long names", "{{ 1262304000 | date('%A %B %e %I%p %y %%') }}", "{}", "Friday January  1 12AM 10 %");
    row("first last", "{{ xs | first }} {{ xs | last }} {{ 'abc' | last }} {{ 'abc' | first(2) }}", kXs, "1 3 c ab");
    row("sort", "{{ ['b', 'A', 'c'] | sort }} {{ [3, 1, 2] | sort(reverse=true) }} {{ items | sort(attribute='r') | map(attribute='n') | join }}",
        kItems, "['A', 'b', 'c'] [3, 2, 1] bca");
    row("unique", "{{ ['a', 'A', 'b', 'a'] | unique | list }} {{ [1, 1.0, 2] | unique | list }}", "{}", "['a', 'b'] [1, 2]");
    row("map", "{{ ['a', 'b'] | map('upper') | join }} {{ items | map(attribute='n') | list }} {{ ['abcdef'] | map('truncate', 3) | list }}",
        kItems, "AB ['a', 'b', 'c'] ['ab\xe2\x80\xa6']");
    row("replace", "{{ 'aXbX' | replace('X', '-') }} {{ 'aXbX' | replace('X', '-', 1) }}", "{}", "a-b- a-bX");
    row("int float", "{{ '42' | int + 1 }} {{ '3.9' | int }} {{ 'x' | int }} {{ '2.5' | float }} {{ 7 | float }} {{ 3.99 | int }} {{ 'x' | int(-1) }}",
        "{}", "43 3 0 2.5 7.0 3 -1");
    row("tojson", "{{ {'a': [1, 'x', none, true], 'b': 'caf\xc3\xa9'} | tojson }}", "{}", "{\"a\": [1, \"x\", null, true], \"b\": \"caf\xc3\xa9\"}");
    row("select and selectattr", "{{ [1, 2, 3, 4] | select('odd') | list }} {{ [1, 2, 3, 4] | reject('odd') | list }} {{ items | selectattr('r', 'ge', 4) | map(attribute='n') | join(',') }}",
        kItems, "[1, 3] [2, 4] a,c");
    row("sum min max", "{{ items | sum(attribute='r') }} {{ (items | max(attribute='r')).n }} {{ (items | min(attribute='r')).n }} {{ [1.5, 2] | sum }}",
        kItems, "12 a b 3.5");
    row("groupby", "{% for g in items | groupby('c') %}{{ g.grouper }}:{{ g.list | map(attribute='n') | join }};{% endfor %}", kItems, "x:b;y:ac;");
    row("misc filters", "{{ 'a\nb' | indent(2) }}|{{ 'one two  three' | wordcount }}|{{ [1, -2] | map('abs') | list }}|{{ [1, 2] | reverse | list }}",
        "{}", "a\n  b|3|[1, 2]|[2, 1]");
    row("methods", "{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'Hi'.startswith('H') }} {{ ', '.join(['x', 'y']) }} {{ {'k': 1}.get('k') }} {{ {'k': 1}.get('z', 0) }}",
        "{}", "['a', 'b', '', 'c'] ['a', 'b'] True x, y 1 0");
    row("range", "{{ range(3) | list }} {{ range(1, 10, 3) | list }} {{ range(3, 0, -1) | list }}", "{}", "[0, 1, 2] [1, 4, 7] [3, 2, 1]");
    // Comments and whitespace control.
    row("comment", "a {# c #} b", "{}", "a  b");
    row("comment on its own line", "a\n  {# note #}\nb", "{}", "a\nb");
    row("minus strips both sides", "a  {{- 'x' -}}  b", "{}", "axb");
    row("block minus strips newlines", "a\n\n  {%- if true -%}  \n\n x \n {%- endif %}\nb", "{}", "axb");
    row("block tags on their own lines leave nothing", "line1\n  {% if true %}\n  inner\n  {% endif %}\nline2", "{}", "line1\n  inner\nline2");
    row("for on its own lines", "{% for x in xs %}\n- {{ x }}\n{% endfor %}\ndone", kXs, "- 1\n- 2\n- 3\ndone");
    row("plus keeps the indentation", "  {%+ if true %}x{% endif %}", "{}", "  x");
    row("plus keeps the newline", "{% if true +%}\nx{% endif %}", "{}", "\nx");
    row("inline tags keep spaces", "x {% if true %}y{% endif %} z", "{}", "x y z");
    row("one trailing newline is dropped", "a\n", "{}", "a");
    row("only one trailing newline is dropped", "a\n\n", "{}", "a\n");
    row("variable tags are not stripped", "a\n  {{ 'x' }}\nb", "{}", "a\n  x\nb");
    row("CRLF after a block tag", "{% if true %}\r\nx{% endif %}", "{}", "x");
  }
  void renders() {
    QFETCH(QString, source);
    QFETCH(QString, context);
    QFETCH(QString, expected);
    try {
      QCOMPARE(QString::fromStdString(render(source.toStdString(), context.toStdString())), expected);
    } catch (const rf::Error& e) {
      QFAIL(e.what());
    }
  }

  void errors_data() {
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("context");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message");
    auto row = [](const char* name, const char* source, const char* context, int line, int column, const char* message) {
      QTest::newRow(name) << QString::fromUtf8(source) << QString::fromUtf8(context) << line << column << QString::fromUtf8(message);
    };
    const char* user = R"({"user": {"history": [], "id": "u1"}})";
    // Parse errors.
    row("junk after endfor", "a\n{% for x in xs %}\n{{ x }}{% endfor x %}", kXs, 3, 18, "expected '%}' after 'endfor', found 'x'");
    row("never closed", "x\n  {% for x in xs %}{{ x }}", kXs, 2, 3, "'{% for %}' is never closed: expected '{% endfor %}'");
    row("mismatched end", "{% if true %}{% endfor %}", "{}", 1, 17, "unexpected 'endfor': the innermost open block is 'if' at line 1, column 1 (expected 'endif')");
    row("end without block", "text {% endif %}", "{}", 1, 9, "unexpected 'endif': no block is open");
    row("unknown tag", "{% endfro %}", "{}", 1, 4, "unknown tag 'endfro' \xe2\x80\x94 did you mean 'endfor'?");
    row("unknown filter", "{{ x | upperr }}", "{}", 1, 8, "unknown filter 'upperr' \xe2\x80\x94 did you mean 'upper'?");
    row("unknown test", "{{ x is defind }}", "{}", 1, 9, "unknown test 'defind' \xe2\x80\x94 did you mean 'defined'?");
    row("filter arity", "{{ x | truncate(1, 2, 3) }}", "{}", 1, 8, "filter 'truncate' takes at most 2 arguments (got 3)");
    row("filter keyword", "{{ x | truncate(size=3) }}", "{}", 1, 8, "filter 'truncate' has no argument 'size' (its arguments: length, end)");
    row("missing argument", "{{ x | replace('a') }}", "{}", 1, 8, "filter 'replace' needs the argument 'new'");
    row("unterminated string", "ok\n{{ 'abc }}", "{}", 2, 4, "unterminated string");
    row("unclosed variable", "a {{ x", "{}", 1, 3, "unclosed '{{': expected '}}'");
    row("unclosed comment", "a\n {# abc", "{}", 2, 2, "unclosed comment");
    row("empty output", "{{ }}", "{}", 1, 4, "empty '{{ }}'");
    row("missing operand", "{{ 1 + }}", "{}", 1, 8, "expected an expression, found '}}'");
    row("chained comparison", "{{ 1 < 2 < 3 }}", "{}", 1, 10, "comparisons cannot be chained");
    row("bad character", "{{ a ? b }}", "{}", 1, 6, "unexpected character '?'");
    row("deep nesting", "{{ ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))) }}",
        "{}", 1, 0, "nesting deeper than 64 levels");
    // Render errors.
    row("undefined with suggestion", "{{ user.id }}\n    {{ user.histroy }}", user, 2, 8, "'user.histroy' is undefined \xe2\x80\x94 did you mean 'history'?");
    row("undefined variable", "{{ usr.id }}", user, 1, 4, "'usr' is undefined \xe2\x80\x94 did you mean 'user'?");
    row("attribute of a list", "{{ user.history.length }}", user, 1, 4,
        "'user.history.length' is undefined ('user.history' is a list, which has no attributes; did you mean 'user.history | length'?)");
    row("index out of range", "{{ xs[5] }}", kXs, 1, 4, "'xs[5]' is undefined (index 5 is outside a list of 3 items)");
    row("undefined in a condition", "{% if nope %}x{% endif %}", "{}", 1, 7, "'nope' is undefined");
    row("division by zero", "{{ 1 / 0 }}", "{}", 1, 4, "division by zero");
    row("type mismatch", "{{ 'a' - 1 }}", "{}", 1, 4, "cannot apply '-' to a string and a number");
    row("compare mismatch", "{{ [1] < 'a' }}", "{}", 1, 4, "cannot compare a list with a string");
    row("loop over a number", "{% for x in 5 %}{% endfor %}", "{}", 1, 13, "'5' is a number, which cannot be looped over");
    row("raise_exception", "{{ raise_exception('bad input: ' ~ 3) }}", "{}", 1, 4, "bad input: 3");
    row("date directive", "{{ 5 | date('%Q') }}", "{}", 1, 8, "'date': unsupported directive %Q");
    row("set attribute of the context", "{% set user.id = 1 %}", user, 1, 1, "'user' is not a variable of the template");
    row("sort mixed types", "{{ [1, 'a'] | sort }}", "{}", 1, 15, "'sort': cannot order a number and a string together");
    // Limits.
    row("loop limit", "x{% for x in range(100001) %}{% endfor %}", "{}", 1, 2, "more than 100000 loop iterations");
    row("range size limit", "{{ range(10000000) | length }}", "{}", 1, 4, "the range would be larger than 1048576");
    row("output limit", "{% for x in range(70000) %}{{ 'abcdefghijklmnopq' }}{% endfor %}", "{}", 1, 28, "the output is larger than 1048576 bytes");
    row("string doubling", "{% set s = namespace(v='ab') %}{% for i in range(40) %}{% set s.v = s.v ~ s.v %}{% endfor %}", "{}", 1, 69,
        "the string built by '~' would be larger than 1048576");
    row("list doubling", "{% set s = namespace(v=[1]) %}{% for i in range(40) %}{% set s.v = s.v + s.v %}{% endfor %}", "{}", 1, 68,
        "the list built by '+' would be larger than 1048576");
    row("nesting by assignment", "{% set s = namespace(v=[]) %}{% for i in range(100) %}{% set s.v = [s.v] %}{% endfor %}", "{}", 1, 0,
        "nests deeper than 64 levels");
  }
  void errors() {
    QFETCH(QString, source);
    QFETCH(QString, context);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);
    try {
      const std::string out = render(source.toStdString(), context.toStdString());
      QFAIL(qPrintable("expected an error, rendered: " + QString::fromStdString(out)));
    } catch (const rf::TemplateError& e) {
      QVERIFY2(QString::fromStdString(e.message()).contains(message), e.what());
      QCOMPARE(e.line(), line);
      if (column > 0) QCOMPARE(e.column(), column);  // 0: the column is not the point of the row
      QCOMPARE(QString::fromStdString(e.template_name()), QString("t.jinja"));
      QVERIFY(std::string(e.what()).rfind("t.jinja: line " + std::to_string(line) + ", column ", 0) == 0);
    }
  }

  void lenient_undefined() {
    rf::TemplateLimits limits;
    limits.strict_undefined = false;
    QCOMPARE(QString::fromStdString(render("[{{ nope }}|{{ nope.x }}|{% if nope %}y{% else %}n{% endif %}]", "{}", limits)), QString("[||n]"));
  }

  void options_off_keep_whitespace() {
    rf::TemplateOptions o;
    o.trim_blocks = false;
    o.lstrip_blocks = false;
    o.keep_trailing_newline = true;
    const rf::Template t = rf::template_parse("a\n  {% if true %}\nb\n  {% endif %}\n", "t", o);
    QCOMPARE(QString::fromStdString(rf::template_render(t, json::object())), QString("a\n  \nb\n  \n"));
  }

  void error_is_an_rf_error() {
    // The CLI and the GUI catch rf::Error; the location is still there through the subclass.
    try {
      rf::template_parse("{{ x", "file.jinja");
      QFAIL("expected an error");
    } catch (const rf::Error& e) {
      QCOMPARE(QString(e.what()), QString("file.jinja: line 1, column 1: unclosed '{{': expected '}}' before the end of the template"));
    }
  }

  void context_is_not_copied_or_changed() {
    json context = {{"xs", json::array({1, 2, 3})}, {"ns", {{"n", 0}}}};
    const json before = context;
    render("{% for x in xs %}{% set x = 9 %}{% endfor %}{% set xs = [] %}{{ xs }}", context.dump());
    const rf::Template t = rf::template_parse("{% set xs = [] %}{{ xs | length }}{{ ns.n }}", "t");
    QCOMPARE(QString::fromStdString(rf::template_render(t, context)), QString("00"));
    QCOMPARE(context, before);
  }

  void concurrent_renders_share_a_template() {
    const rf::Template t = rf::template_parse("{% for h in user.history | last(3) %}{{ loop.index }}:{{ h.title | upper }};{% endfor %}", "t");
    std::vector<std::string> outs(4);
    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k) {
      threads.emplace_back([&, k] {
        json ctx = {{"user", {{"history", json::array()}}}};
        for (int i = 0; i < 5; ++i) ctx["user"]["history"].push_back({{"title", "t" + std::to_string(k) + std::to_string(i)}});
        for (int rep = 0; rep < 200; ++rep) outs[static_cast<size_t>(k)] = rf::template_render(t, ctx);
      });
    }
    for (auto& th : threads) th.join();
    for (int k = 0; k < 4; ++k) {
      const std::string s = std::to_string(k);
      QCOMPARE(QString::fromStdString(outs[static_cast<size_t>(k)]), QString::fromStdString("1:T" + s + "2;2:T" + s + "3;3:T" + s + "4;"));
    }
  }

  void load_names_errors_by_file() {
    QVERIFY_THROWS_EXCEPTION(rf::Error, rf::template_load("/nonexistent/dir/x.jinja"));
    QTemporaryDir dir;
    const QString path = dir.path() + "/bad.jinja";
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("ok\n{% if %}");
    f.close();
    try {
      rf::template_load(path.toStdString());
      QFAIL("expected an error");
    } catch (const rf::TemplateError& e) {
      QCOMPARE(QString::fromStdString(e.template_name()), QString("bad.jinja"));
      QCOMPARE(e.line(), 2);
      QCOMPARE(e.column(), 7);
      QVERIFY2(QString::fromStdString(e.message()).contains("expected an expression, found '%}'"), e.what());
    }
  }
};

RF_TEST_SUITE(TestTemplate);
#include "test_template.moc"
