// Placeholder until its issue part lands; replaced by the real command.
#include "commands.h"
#include "util/error.h"
namespace rf::cli {
int cmd_chat_format(int, char**) { throw Error("this command is not built yet"); }
}  // namespace rf::cli
