// An import error as the Project & data screen lists it. The importers throw one message of the form
// "<file>:<line>: field '<field>': <problem>" (core/data/import_common.h); this splits it back into its
// parts so the screen can show them in columns and open the offending line of the file.
#pragma once

#include <QString>
#include <QStringList>

namespace rf::gui {

struct DataError {
  QString file;     // "" when the message names no file (an unknown format, say)
  qint64 line = 0;  // 0 when it names no line
  QString field;    // "" when it names no field
  QString problem;  // the rest of the message (the whole message when it has no file part)
};

DataError data_error_parse(const QString& message);

// Lines `line - context` .. `line + context` of `file` (1-based), each "<n>: <text>", the named line
// marked with "▶"; empty when the file cannot be read. Reads only up to those lines.
QStringList data_error_context(const QString& file, qint64 line, int context = 2);

}  // namespace rf::gui
