// How far the import running on this thread has got, for a progress bar (the workbench's Project & data
// screen). data_import() installs ImportOptions::progress for the duration of the import; source_read()
// names each file as it is read and the line and CSV readers report how far into its text they are.
// Reports are thinned to one per half percent of a file, so a callback may post to another thread freely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace rf {

// (file being parsed, bytes of its text parsed so far, bytes in all). Called on the importing thread.
using ImportProgressFn = std::function<void(const std::string& file, int64_t done, int64_t total)>;

struct ImportProgressState {
  const ImportProgressFn* fn = nullptr;
  std::string file;         // "" until source_read() names one: format detection reports nothing
  int64_t last_permille = -1;
};

// The state of this thread's import; null when nobody asked for progress (then reporting costs one test).
inline thread_local ImportProgressState* import_progress_state = nullptr;

// A new file's text of `size` bytes is about to be parsed (source_read() calls this).
void import_progress_file(const std::string& file, int64_t size);

// The parser stands at byte `pos` of `size` in the current file's text.
inline void import_progress_at(size_t pos, size_t size) {
  ImportProgressState* s = import_progress_state;
  if (!s || !s->fn || s->file.empty() || size == 0) return;
  const auto permille = static_cast<int64_t>(pos >= size ? 1000 : pos * 1000 / size);
  if (permille == s->last_permille || (permille < 1000 && permille - s->last_permille < 5)) return;
  s->last_permille = permille;
  (*s->fn)(s->file, static_cast<int64_t>(pos), static_cast<int64_t>(size));
}

// Installs `fn` (may be empty) for this thread while it lives; restores the previous state after.
class ImportProgressScope {
 public:
  explicit ImportProgressScope(const ImportProgressFn& fn) : previous_(import_progress_state) {
    state_.fn = fn ? &fn : nullptr;
    import_progress_state = &state_;
  }
  ~ImportProgressScope() { import_progress_state = previous_; }
  ImportProgressScope(const ImportProgressScope&) = delete;
  ImportProgressScope& operator=(const ImportProgressScope&) = delete;

 private:
  ImportProgressState state_;
  ImportProgressState* previous_;
};

}  // namespace rf
