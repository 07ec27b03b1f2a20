// Highlighting of the prompt-template language (core/text/template.h, docs/templates.md) in the designer's
// editor: `{{ expressions }}`, `{% statements %}` with their keywords in bold, `{# comments #}` (across
// lines), string and number literals and `| filters` inside tags, and the recipes' reasoning tags
// (<think>, <answer>, the Rating recipe's blocks) in the text the model is asked to write.
#pragma once

#include <QSyntaxHighlighter>

namespace rf::gui {

class TemplateHighlighter : public QSyntaxHighlighter {
  Q_OBJECT

 public:
  explicit TemplateHighlighter(QTextDocument* doc);
  // Lighter colours for a dark editor background (View > Dark theme).
  void setDark(bool dark);

 protected:
  void highlightBlock(const QString& text) override;

 private:
  bool dark_ = false;
};

}  // namespace rf::gui
