// Checkpoint folders written atomically: the caller fills "<dir>.tmp", then checkpoint_dir_commit() renames
// it over <dir> (an existing <dir> is moved aside to "<dir>.old" first and removed last), so a process
// killed at any moment leaves either the old checkpoint or the new one, never a half-written folder.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace rf {

// Makes an empty "<dir>.tmp" (removing a stale one), calls fill(tmp_path), then commits it as <dir>.
void checkpoint_dir_write(const std::string& dir, const std::function<void(const std::string& tmp)>& fill);

// save_total_limit: removes the committed "checkpoint-<step>" folders of `root` beyond the `keep` with the
// highest steps (a run's steps only grow, so these are its newest); returns the removed paths, lowest step
// first. Folders in `spare` (as written or as the same canonical path: another run's model, say) stay
// besides those. Other entries of `root` (".tmp" / ".old" folders, other names) are left alone; keep <= 0
// removes nothing. The caller records the newest checkpoint before pruning, so a crash never leaves none.
std::vector<std::string> checkpoint_dirs_prune(const std::string& root, int keep, const std::set<std::string>& spare = {});

// Copies each existing file of `files` into `dir` (tokenizer.json, tokenizer_config.json, ...); missing ones are skipped.
void checkpoint_copy_files(const std::vector<std::string>& files, const std::string& dir);

}  // namespace rf
