#include "run/backup_jobs.hpp"

#include "core/exit_code.hpp"
#include "run/exit_severity.hpp"

namespace imapmirror::run {

std::vector<ChildJob> export_jobs(const std::vector<std::string>& accounts,
                                  const std::string& config_path, const BackupOptions& options) {
    std::vector<ChildJob> jobs;
    for (const auto& account : accounts) {
        ChildJob job{account, {}};
        if (options.quiet)
            job.args.push_back("-q");
        for (int i = 0; i < options.verbose; ++i)
            job.args.push_back("-v");
        job.args.insert(job.args.end(),
                        {"export", "--account", account, "--config", config_path, "--json"});
        if (options.dry_run)
            job.args.push_back("--dry-run");
        jobs.push_back(std::move(job));
    }
    return jobs;
}

BackupOutcome backup_outcome(const std::vector<ChildOutcome>& outcomes, bool interrupted) {
    BackupOutcome out;
    std::vector<int> codes;
    for (const auto& c : outcomes) {
        out.reports.push_back(report_of(c, core::kExitPartial));
        if (c.started)
            codes.push_back(c.exit_code);
        out.complete += c.started && c.exit_code == core::kExitOk;
    }
    out.exit_code = interrupted ? core::kExitInterrupted : worst_exit_code(codes);
    return out;
}

}  // namespace imapmirror::run
