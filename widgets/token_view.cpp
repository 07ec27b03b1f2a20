// Per-token log-probability shading (see token_view.h).
#include "token_view.h"

#include <QHelpEvent>
#include <QTextCursor>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace rf::gui {

TokenView::TokenView(QWidget* parent) : QTextEdit(parent) {
  setReadOnly(true);
  setObjectName("tokenView");
}

QColor TokenView::shade(double p) {
  p = std::clamp(p, 0.0, 1.0);
  // 1 -> white, 0.5 -> yellow, 0 -> red: the eye lands on the unlikely tokens.
  if (p >= 0.5) {
    const double t = (p - 0.5) / 0.5;
    return QColor(255, 255, static_cast<int>(std::lround(120 + 135 * t)));
  }
  const double t = p / 0.5;
  return QColor(255, static_cast<int>(std::lround(110 + 145 * t)), static_cast<int>(std::lround(110 + 10 * t)));
}

void TokenView::setTokens(const QString& prefix, const std::vector<std::string>& pieces, const std::vector<float>& logprobs) {
  clear();
  starts_.clear();
  pieces_.clear();
  logprobs_ = logprobs;
  QTextCursor c(document());
  QTextCharFormat plain;
  plain.setForeground(QColor(90, 90, 90));
  c.insertText(prefix, plain);
  for (size_t i = 0; i < pieces.size(); ++i) {
    const QString piece = QString::fromUtf8(pieces[i].data(), static_cast<qsizetype>(pieces[i].size()));
    QTextCharFormat f;
    f.setForeground(QColor(20, 20, 20));
    f.setBackground(i < logprobs.size() ? shade(std::exp(static_cast<double>(logprobs[i]))) : QColor(Qt::white));
    starts_.push_back(c.position());
    pieces_.push_back(piece);
    c.insertText(piece, f);
  }
  moveCursor(QTextCursor::Start);
}

int TokenView::tokenAt(int pos) const {
  if (starts_.empty() || pos < starts_.front()) return -1;
  const auto it = std::upper_bound(starts_.begin(), starts_.end(), pos);
  const int i = static_cast<int>(it - starts_.begin()) - 1;
  const int end = starts_[static_cast<size_t>(i)] + static_cast<int>(pieces_[static_cast<size_t>(i)].size());
  return pos < end ? i : -1;
}

QString TokenView::tokenTip(int token) const {
  if (token < 0 || token >= tokenCount()) return {};
  const double lp = static_cast<size_t>(token) < logprobs_.size() ? logprobs_[static_cast<size_t>(token)] : NAN;
  QString shown = pieces_[static_cast<size_t>(token)];
  shown.replace('\n', "\\n");
  return tr("token %1 '%2': p = %3 (log p = %4)").arg(token + 1).arg(shown).arg(std::exp(lp), 0, 'f', 3).arg(lp, 0, 'f', 3);
}

bool TokenView::event(QEvent* e) {
  if (e->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(e);
    const int token = tokenAt(cursorForPosition(viewport()->mapFromGlobal(help->globalPos())).position());
    if (token >= 0)
      QToolTip::showText(help->globalPos(), tokenTip(token), this);
    else
      QToolTip::hideText();
    return true;
  }
  return QTextEdit::event(e);
}

}  // namespace rf::gui
