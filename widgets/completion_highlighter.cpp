// Tag and hit highlighting (see completion_highlighter.h).
#include "completion_highlighter.h"

#include <QRegularExpression>

namespace rf::gui {

namespace {

// Block states: 0 = outside, 1 = inside an answer-like block (<answer>, <rate>) across lines.
const QRegularExpression kTag(R"(</?(think|answer|analyze user|analyze item|match|rate)>)");
const QRegularExpression kAnswerOpen(R"(<(answer|rate)>)");
const QRegularExpression kAnswerClose(R"(</(answer|rate)>)");

}  // namespace

CompletionHighlighter::CompletionHighlighter(QTextDocument* doc) : QSyntaxHighlighter(doc) {}

void CompletionHighlighter::setHits(const QStringList& ids) {
  hits_ = ids;
  rehighlight();
}

void CompletionHighlighter::highlightBlock(const QString& text) {
  QTextCharFormat answer;
  answer.setBackground(QColor(255, 236, 179));
  answer.setForeground(QColor(40, 40, 40));
  // Answer spans: from an opening tag (or the block start when inside) to the closing tag (or the end).
  int state = previousBlockState() == 1 ? 1 : 0;
  int pos = 0;
  while (pos <= text.size()) {
    if (state == 0) {
      const auto m = kAnswerOpen.match(text, pos);
      if (!m.hasMatch()) break;
      pos = static_cast<int>(m.capturedEnd());
      state = 1;
    } else {
      const auto m = kAnswerClose.match(text, pos);
      const int end = m.hasMatch() ? static_cast<int>(m.capturedStart()) : static_cast<int>(text.size());
      setFormat(pos, end - pos, answer);
      if (!m.hasMatch()) break;
      pos = static_cast<int>(m.capturedEnd());
      state = 0;
    }
  }
  setCurrentBlockState(state);

  QTextCharFormat tag;
  tag.setForeground(QColor(31, 119, 180));
  tag.setFontWeight(QFont::Bold);
  for (auto it = kTag.globalMatch(text); it.hasNext();) {
    const auto m = it.next();
    setFormat(static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()), tag);
  }
  QTextCharFormat hit;
  hit.setBackground(QColor(170, 222, 170));
  hit.setForeground(QColor(0, 90, 0));
  hit.setFontWeight(QFont::Bold);
  for (const QString& id : hits_) {
    if (id.isEmpty()) continue;
    const QRegularExpression word("(?<![\\w-])" + QRegularExpression::escape(id) + "(?![\\w-])");
    for (auto it = word.globalMatch(text); it.hasNext();) {
      const auto m = it.next();
      setFormat(static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()), hit);
    }
  }
}

}  // namespace rf::gui
