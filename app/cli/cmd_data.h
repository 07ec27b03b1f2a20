// The parts of `recforge-cli data` (cmd_data.cpp dispatches): import/list/delete in cmd_data.cpp,
// stats and show-user in cmd_data_show.cpp.
#pragma once

namespace rf::cli {

int data_import_cmd(int argc, char** argv);
int data_list_cmd(int argc, char** argv);
int data_delete_cmd(int argc, char** argv);
int data_stats_cmd(int argc, char** argv);
int data_show_user_cmd(int argc, char** argv);

}  // namespace rf::cli
