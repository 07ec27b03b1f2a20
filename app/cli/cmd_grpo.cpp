// `recforge-cli grpo` and `recforge-cli resume`: start a GRPO run in a project, or continue any run from
// its last checkpoint (core/engine/run_execute.h), with progress and evaluation tables (cli_run.h).
#include "commands.h"

#include "cli_args.h"
#include "cli_run.h"
#include "store/run_store.h"
#include "util/error.h"

#include <cstdio>

namespace rf::cli {

int cmd_grpo(int argc, char** argv) { return cli_run_command("grpo", argc, argv); }

int cmd_resume(int argc, char** argv) {
  CliArgs args("resume",
               "Continue a run from its last checkpoint (after a crash, a kill or a stop): the run store is cut back\n"
               "to the checkpoint's step and the curves continue from there.\n"
               "Usage: recforge-cli resume --project DIR RUN",
               {{"project", "DIR", "the project folder", ""},
                {"threads", "N", "CPU intra-op threads (0 = automatic)", "0"},
                {"quiet", "", "no per-step progress on a terminal", ""},
                {"json", "", "JSON lines (steps, messages, evaluations, end)", ""}});
  if (!args.parse(argc, argv)) return 0;
  if (!args.has("project")) throw Error("resume: --project is required");
  if (args.positional().size() != 1) throw Error("resume: give one run id (recforge-cli runs --project DIR lists them)");
  const std::string project = args.get("project");
  int64_t run = 0;
  try {
    run = std::stoll(args.positional()[0]);
  } catch (const std::exception&) {
    throw Error("resume: '" + args.positional()[0] + "' is not a run id");
  }
  std::string dataset;
  {
    SqliteDb db = cli_open_run_store(project);
    const RunRecord rec = cli_find_run(db, run);
    if (rec.status == "finished") throw Error("resume: run " + std::to_string(run) + " has finished; nothing to resume");
    dataset = rec.config.value("data", nlohmann::json::object()).value("dataset", "");
  }
  const auto world = cli_project_world(project, dataset);
  RunExecuteOptions o;
  o.resume = true;
  o.baselines = true;  // redone only when there is no checkpoint yet (the run starts over from step 0)
  o.threads = static_cast<int>(args.get_int("threads"));
  o.world = world.get();
  const CliRunOutput out = cli_run_output(args.flag("json"), args.flag("quiet"));
  const RunOutcome r = cli_run_execute(project, run, o, out);
  return r.status == "failed" ? 1 : 0;
}

}  // namespace rf::cli
