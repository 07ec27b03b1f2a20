// The colours of plotted runs and metrics, the same on every screen: ten distinct hues (Tableau's),
// repeating after the tenth.
#pragma once

#include <QColor>

#include <cstddef>

namespace rf::gui {

inline QColor plot_color(size_t i) {
  static const QColor palette[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44), QColor(214, 39, 40),
                                   QColor(148, 103, 189), QColor(140, 86, 75), QColor(227, 119, 194), QColor(127, 127, 127),
                                   QColor(188, 189, 34), QColor(23, 190, 207)};
  return palette[i % 10];
}

}  // namespace rf::gui
