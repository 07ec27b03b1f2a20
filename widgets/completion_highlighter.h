// Highlighting of a completion's structure in a QTextDocument: the reasoning and answer tags of the
// recipes (<think>, <answer>, and the Rating recipe's <analyze user>, <analyze item>, <match>, <rate>) in
// bold colour, the text inside <answer>/<rate> on a tinted background, and item ids that are among the
// answer's targets marked as hits.
#pragma once

#include <QSyntaxHighlighter>
#include <QStringList>

namespace rf::gui {

class CompletionHighlighter : public QSyntaxHighlighter {
  Q_OBJECT

 public:
  explicit CompletionHighlighter(QTextDocument* doc);
  void setHits(const QStringList& ids);  // item ids to mark as hits

 protected:
  void highlightBlock(const QString& text) override;

 private:
  QStringList hits_;
};

}  // namespace rf::gui
