// The template designer's editor: a plain-text editor with line numbers, the template syntax highlighted
// (template_highlighter.h), and an inline error marker — the line tinted, a red wavy underline from the
// error's column to the end of its line, a red dot in the gutter and the message as the gutter's tooltip —
// placed from the line and column a TemplateError carries.
#pragma once

#include <QPlainTextEdit>

namespace rf::gui {

class TemplateHighlighter;

class TemplateEditor : public QPlainTextEdit {
  Q_OBJECT

 public:
  explicit TemplateEditor(QWidget* parent = nullptr);

  // 1-based line and column (in characters), as TemplateError reports them; line 0 clears.
  void setError(int line, int column, const QString& message);
  void clearError() { setError(0, 0, {}); }
  int errorLine() const { return error_line_; }
  int errorColumn() const { return error_column_; }
  QString errorMessage() const { return error_message_; }

  int gutterWidth() const;
  void paintGutter(QPaintEvent* e);
  QWidget* gutter() const { return gutter_; }

 protected:
  void resizeEvent(QResizeEvent* e) override;
  void changeEvent(QEvent* e) override;

 private:
  void refreshSelections();
  void updateGutter(const QRect& rect, int dy);

  QWidget* gutter_ = nullptr;
  TemplateHighlighter* highlighter_ = nullptr;
  int error_line_ = 0, error_column_ = 0;
  QString error_message_;
};

}  // namespace rf::gui
