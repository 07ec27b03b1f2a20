// Template syntax highlighting (see template_highlighter.h).
#include "template_highlighter.h"

#include <QRegularExpression>

namespace rf::gui {

namespace {

// Block states carry what is open at the end of a line: a comment, an expression or a statement tag
// (tags may span lines).
enum State { kText = 0, kComment = 1, kExpr = 2, kStmt = 3 };

const QRegularExpression kKeyword(R"(\b(for|endfor|in|if|elif|else|endif|set|endset|macro|endmacro|call|endcall|filter|endfilter|raw|endraw|not|and|or|is|loop|true|false|none|True|False|None)\b)");
const QRegularExpression kString(R"("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')");
const QRegularExpression kNumber(R"(\b\d+(\.\d+)?\b)");
const QRegularExpression kFilter(R"(\|\s*([A-Za-z_]\w*))");
const QRegularExpression kReasoningTag(R"(</?(think|answer|analyze user|analyze item|match|rate)>)");

QTextCharFormat format_of(QColor colour, bool dark, bool bold = false, bool italic = false) {
  QTextCharFormat f;
  f.setForeground(dark ? colour.lighter(170) : colour);
  if (bold) f.setFontWeight(QFont::Bold);
  f.setFontItalic(italic);
  return f;
}

}  // namespace

TemplateHighlighter::TemplateHighlighter(QTextDocument* doc) : QSyntaxHighlighter(doc) {}

void TemplateHighlighter::setDark(bool dark) {
  if (dark == dark_) return;
  dark_ = dark;
  rehighlight();
}

void TemplateHighlighter::highlightBlock(const QString& text) {
  const QTextCharFormat comment = format_of(QColor(128, 128, 128), dark_, false, true);
  const QTextCharFormat expr = format_of(QColor(0, 92, 197), dark_);
  const QTextCharFormat stmt = format_of(QColor(136, 57, 239), dark_);
  const QTextCharFormat delim = format_of(QColor(200, 90, 0), dark_, true);
  const QTextCharFormat keyword = format_of(QColor(136, 57, 239), dark_, true);
  const QTextCharFormat string = format_of(QColor(10, 130, 50), dark_);
  const QTextCharFormat number = format_of(QColor(170, 80, 0), dark_);
  const QTextCharFormat filter = format_of(QColor(0, 128, 128), dark_, true);
  const QTextCharFormat reasoning = format_of(QColor(196, 30, 58), dark_, true);

  // The reasoning tags first: template tags drawn afterwards win where they overlap.
  for (auto it = kReasoningTag.globalMatch(text); it.hasNext();) {
    const auto m = it.next();
    setFormat(static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()), reasoning);
  }

  // Inside a tag: colour its body, then its literals, keywords and filters.
  auto colour_body = [&](int from, int to, State s) {
    if (to <= from) return;
    setFormat(from, to - from, s == kExpr ? expr : stmt);
    const QString body = text.mid(from, to - from);
    for (auto it = kNumber.globalMatch(body); it.hasNext();) {
      const auto m = it.next();
      setFormat(from + static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()), number);
    }
    for (auto it = kKeyword.globalMatch(body); it.hasNext();) {
      const auto m = it.next();
      setFormat(from + static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()), keyword);
    }
    for (auto it = kFilter.globalMatch(body); it.hasNext();) {
      const auto m = it.next();
      setFormat(from + static_cast<int>(m.capturedStart(1)), static_cast<int>(m.capturedLength(1)), filter);
    }
    for (auto it = kString.globalMatch(body); it.hasNext();) {
      const auto m = it.next();
      setFormat(from + static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()), string);
    }
  };

  int state = previousBlockState() < 0 ? kText : previousBlockState();
  int pos = 0;
  const int n = static_cast<int>(text.size());
  while (pos < n) {
    if (state == kText) {
      const int open = static_cast<int>(text.indexOf('{', pos));
      if (open < 0 || open + 1 >= n) break;
      const QChar c = text[open + 1];
      if (c != '{' && c != '%' && c != '#') {
        pos = open + 1;
        continue;
      }
      int len = 2;
      if (open + 2 < n && (text[open + 2] == '-' || text[open + 2] == '+')) len = 3;  // whitespace control
      setFormat(open, len, c == '#' ? comment : delim);
      state = c == '{' ? kExpr : c == '%' ? kStmt : kComment;
      pos = open + len;
      continue;
    }
    const QString close = state == kExpr ? "}}" : state == kStmt ? "%}" : "#}";
    int end = static_cast<int>(text.indexOf(close, pos));
    const int body_end = end < 0 ? n : (end > pos && (text[end - 1] == '-' || text[end - 1] == '+') ? end - 1 : end);
    if (state == kComment)
      setFormat(pos, (end < 0 ? n : end + 2) - pos, comment);
    else {
      colour_body(pos, body_end, static_cast<State>(state));
      if (end >= 0) setFormat(body_end, end + 2 - body_end, delim);
    }
    if (end < 0) {
      pos = n;
      break;
    }
    pos = end + 2;
    state = kText;
  }
  setCurrentBlockState(state);
}

}  // namespace rf::gui
