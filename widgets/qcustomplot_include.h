// QCustomPlot's header spells Qt's keyword macros (signals, slots, emit, foreach), which QT_NO_KEYWORDS
// switches off for RecForge's own code; they are defined for this one include and removed again.
#pragma once

#include <QtGlobal>

#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
