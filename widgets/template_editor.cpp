// The designer's editor with line numbers and inline errors (see template_editor.h).
#include "template_editor.h"

#include "template_highlighter.h"

#include <QFontDatabase>
#include <QHelpEvent>
#include <QPainter>
#include <QTextBlock>
#include <QToolTip>

namespace rf::gui {

namespace {

// The gutter only paints and answers tooltips; the editor owns its state.
class EditorGutter : public QWidget {
 public:
  explicit EditorGutter(TemplateEditor* editor) : QWidget(editor), editor_(editor) { setObjectName("templateGutter"); }
  QSize sizeHint() const override { return {editor_->gutterWidth(), 0}; }

 protected:
  void paintEvent(QPaintEvent* e) override { editor_->paintGutter(e); }
  bool event(QEvent* e) override {
    if (e->type() == QEvent::ToolTip) {
      auto* help = static_cast<QHelpEvent*>(e);
      const QTextBlock block = editor_->cursorForPosition(QPoint(0, help->pos().y())).block();
      if (editor_->errorLine() > 0 && block.blockNumber() + 1 == editor_->errorLine())
        QToolTip::showText(help->globalPos(), editor_->errorMessage(), this);
      else
        QToolTip::hideText();
      return true;
    }
    return QWidget::event(e);
  }

 private:
  TemplateEditor* editor_;
};

}  // namespace

TemplateEditor::TemplateEditor(QWidget* parent) : QPlainTextEdit(parent) {
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  setLineWrapMode(QPlainTextEdit::NoWrap);
  setTabStopDistance(fontMetrics().horizontalAdvance(' ') * 2);
  highlighter_ = new TemplateHighlighter(document());
  gutter_ = new EditorGutter(this);
  connect(this, &QPlainTextEdit::blockCountChanged, this, [this] { setViewportMargins(gutterWidth(), 0, 0, 0); });
  connect(this, &QPlainTextEdit::updateRequest, this, &TemplateEditor::updateGutter);
  setViewportMargins(gutterWidth(), 0, 0, 0);
}

int TemplateEditor::gutterWidth() const {
  int digits = 1;
  for (int n = std::max(1, blockCount()); n >= 10; n /= 10) ++digits;
  return 14 + fontMetrics().horizontalAdvance(QLatin1Char('9')) * std::max(digits, 2);
}

void TemplateEditor::resizeEvent(QResizeEvent* e) {
  QPlainTextEdit::resizeEvent(e);
  const QRect r = contentsRect();
  gutter_->setGeometry(QRect(r.left(), r.top(), gutterWidth(), r.height()));
}

void TemplateEditor::changeEvent(QEvent* e) {
  QPlainTextEdit::changeEvent(e);
  if (e->type() == QEvent::PaletteChange || e->type() == QEvent::ApplicationPaletteChange) {
    highlighter_->setDark(palette().color(QPalette::Base).lightness() < 128);
    refreshSelections();
  }
}

void TemplateEditor::updateGutter(const QRect& rect, int dy) {
  if (dy != 0)
    gutter_->scroll(0, dy);
  else
    gutter_->update(0, rect.y(), gutter_->width(), rect.height());
}

void TemplateEditor::paintGutter(QPaintEvent* e) {
  QPainter p(gutter_);
  p.fillRect(e->rect(), palette().color(QPalette::AlternateBase));
  QTextBlock block = firstVisibleBlock();
  int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
  const int h = fontMetrics().height();
  while (block.isValid() && top <= e->rect().bottom()) {
    const int line = block.blockNumber() + 1;
    if (block.isVisible()) {
      if (line == error_line_) {
        p.setPen(Qt::NoPen);
        p.setBrush(QColor(220, 40, 40));
        p.drawEllipse(QRect(3, top + h / 2 - 4, 8, 8));
      }
      p.setPen(line == error_line_ ? QColor(200, 30, 30) : palette().color(QPalette::PlaceholderText));
      p.drawText(0, top, gutter_->width() - 4, h, Qt::AlignRight, QString::number(line));
    }
    top += qRound(blockBoundingRect(block).height());
    block = block.next();
  }
}

void TemplateEditor::setError(int line, int column, const QString& message) {
  error_line_ = line > 0 && line <= blockCount() ? line : (line > 0 ? blockCount() : 0);
  error_column_ = line > 0 ? std::max(1, column) : 0;
  error_message_ = message;
  refreshSelections();
  gutter_->update();
}

void TemplateEditor::refreshSelections() {
  QList<QTextEdit::ExtraSelection> sels;
  if (error_line_ > 0) {
    const QTextBlock block = document()->findBlockByNumber(error_line_ - 1);
    QTextEdit::ExtraSelection line;
    const bool dark = palette().color(QPalette::Base).lightness() < 128;
    line.format.setBackground(dark ? QColor(90, 30, 30) : QColor(255, 225, 225));
    line.format.setProperty(QTextFormat::FullWidthSelection, true);
    line.cursor = QTextCursor(block);
    sels << line;
    // The underline runs from the reported column (clamped into the line) to the line's end, at least one
    // character, so an error at the end of a line is still visible.
    const int len = static_cast<int>(block.text().size());
    const int from = std::min(std::max(0, error_column_ - 1), std::max(0, len - 1));
    QTextEdit::ExtraSelection under;
    under.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
    under.format.setUnderlineColor(QColor(220, 30, 30));
    under.format.setToolTip(error_message_);
    QTextCursor c(block);
    c.setPosition(block.position() + from);
    const int end = std::min(block.position() + std::max(from + 1, len), document()->characterCount() - 1);
    c.setPosition(std::max(end, block.position() + from), QTextCursor::KeepAnchor);
    under.cursor = c;
    sels << under;
  }
  setExtraSelections(sels);
}

}  // namespace rf::gui
