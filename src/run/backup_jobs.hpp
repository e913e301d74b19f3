#pragma once
// `backup`'s accounts as child processes of this binary: the `export` each account runs as
// (run_children runs them), and what their outcomes add up to.

#include <cstddef>
#include <string>
#include <vector>

#include "run/account_report.hpp"
#include "run/child_runner.hpp"

namespace imapmirror::run {

// What backup passes on to each account's export.
struct BackupOptions {
    bool quiet = false;    // -q
    int verbose = 0;       // one -v each
    bool dry_run = false;  // export --dry-run
};

// One job per account, named after it, in the order given: `[-q] [-v...] export --account NAME
// --config CONFIG --json [--dry-run]`. No password is ever an argument: each child reads its
// account's password source from the config itself.
std::vector<ChildJob> export_jobs(const std::vector<std::string>& accounts,
                                  const std::string& config_path, const BackupOptions& options);

struct BackupOutcome {
    std::vector<AccountReport> reports;  // one per child, in order; each points into its outcome
    int exit_code = 0;    // the worst of the started children's codes; 130 when interrupted
    size_t complete = 0;  // children that ran and exited 0
};

// The backup's outcome from its children's, read with report_of (an exit code of 10 is a
// partial export). `outcomes` must outlive the result.
BackupOutcome backup_outcome(const std::vector<ChildOutcome>& outcomes, bool interrupted);

}  // namespace imapmirror::run
