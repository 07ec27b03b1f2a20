// Import errors split into file, line, field and problem (see data_error.h).
#include "data_error.h"

#include <QFile>
#include <QRegularExpression>

namespace rf::gui {

DataError data_error_parse(const QString& message) {
  // The file part is the shortest prefix followed by ":<digits>: " (a path may itself hold colons).
  static const QRegularExpression with_line(R"(^(.+?):(\d+): (?:field '([^']*)': )?(.*)$)",
                                            QRegularExpression::DotMatchesEverythingOption);
  static const QRegularExpression file_only(R"(^(/[^:]+): (.*)$)", QRegularExpression::DotMatchesEverythingOption);
  DataError e;
  if (const auto m = with_line.match(message); m.hasMatch()) {
    e.file = m.captured(1);
    e.line = m.captured(2).toLongLong();
    e.field = m.captured(3);
    e.problem = m.captured(4);
  } else if (const auto f = file_only.match(message); f.hasMatch()) {
    e.file = f.captured(1);
    e.problem = f.captured(2);
  } else {
    e.problem = message;
  }
  return e;
}

QStringList data_error_context(const QString& file, qint64 line, int context) {
  QStringList out;
  QFile f(file);
  if (line <= 0 || !f.open(QIODevice::ReadOnly)) return out;
  for (qint64 n = 1; n <= line + context && !f.atEnd(); ++n) {
    QByteArray text = f.readLine();
    if (n < line - context) continue;
    while (text.endsWith('\n') || text.endsWith('\r')) text.chop(1);
    if (text.size() > 400) text = text.left(400) + "…";
    out << QString("%1 %2: %3").arg(n == line ? "▶" : " ").arg(n).arg(QString::fromUtf8(text));
  }
  return out;
}

}  // namespace rf::gui
