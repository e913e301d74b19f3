// imapmirror export --out DIR: the whole account into a mirror tree with a SQLite index.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "core/interrupt.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "store/archive_root.hpp"
#include "sync/exporter.hpp"

namespace imapmirror::cli {

namespace {

struct ExportArgs {
    AccountChoice choice;
    ConnectionArgs conn;
    std::string out;
    std::vector<std::string> include, exclude;
    bool json = false;
    bool quiet = false;
    int retries = 5;
    double retry_wait_s = 1.0;
    size_t connections = 4;
    bool no_bodies = false;
};

const char* to_string(core::Scope s) {
    switch (s) {
        case core::Scope::Message:
            return "message";
        case core::Scope::Folder:
            return "folder";
        case core::Scope::Session:
            return "session";
        case core::Scope::Run:
            return "run";
    }
    return "?";
}

int exit_code_of(const sync::ExportSummary& s) {
    if (s.fatal)
        return exit_code_for(*s.fatal);
    return s.errors.empty() ? kExitOk : kExitPartial;
}

// One self-overwriting status line on a terminal, at most five times a second.
class ProgressLine {
  public:
    explicit ProgressLine(bool enabled)
        : m_enabled(enabled), m_start(std::chrono::steady_clock::now()) {}
    ~ProgressLine() { clear(); }

    void update(const sync::Progress& p) {
        if (!m_enabled)
            return;
        auto now = std::chrono::steady_clock::now();
        if (now - m_last < std::chrono::milliseconds(200))
            return;
        m_last = now;
        double secs = std::chrono::duration<double>(now - m_start).count();
        double rate = secs > 0 ? static_cast<double>(p.bytes_done) / secs : 0;
        std::string eta = "";
        if (p.messages_done > 0 && p.messages_total > p.messages_done) {
            double left = secs / static_cast<double>(p.messages_done) *
                          static_cast<double>(p.messages_total - p.messages_done);
            eta = ", ETA " + std::to_string(static_cast<int>(left) / 60) + ":" +
                  (static_cast<int>(left) % 60 < 10 ? "0" : "") +
                  std::to_string(static_cast<int>(left) % 60);
        }
        std::string line =
            "[" + std::to_string(p.folders_done) + "/" + std::to_string(p.folders_total) +
            " folders] " + fit(printable(p.folder), 24, false) + "  " +
            std::to_string(p.messages_done) + "/" + std::to_string(p.messages_total) +
            " messages, " + human_size(p.bytes_done) + ", " +
            human_size(static_cast<uint64_t>(rate)) + "/s" + eta;
        std::fprintf(stderr, "\r\033[K%s", line.c_str());
        std::fflush(stderr);
        m_shown = true;
    }
    void clear() {
        if (m_shown)
            std::fprintf(stderr, "\r\033[K");
        m_shown = false;
    }

  private:
    bool m_enabled;
    bool m_shown = false;
    std::chrono::steady_clock::time_point m_start, m_last{};
};

void print_summary(const ExportArgs& a, const sync::ExportSummary& s, int code) {
    if (a.json) {
        core::JsonWriter w;
        w.begin_object();
        w.key("out").value(a.out);
        w.key("folders").value(static_cast<uint64_t>(s.folders));
        w.key("messages").value(s.messages);
        w.key("bytes").value(s.bytes);
        w.key("attachments").value(s.attachments);
        w.key("parse_errors").value(s.parse_errors);
        w.key("flags_changed").value(s.flags_changed);
        w.key("expunged").value(s.expunged);
        w.key("remapped").value(s.remapped);
        w.key("folders_unchanged").value(static_cast<uint64_t>(s.folders_unchanged));
        w.key("folders_refused").value(static_cast<uint64_t>(s.folders_refused));
        w.key("folders_deleted").value(static_cast<uint64_t>(s.folders_deleted));
        w.key("reconnects").value(static_cast<uint64_t>(s.reconnects));
        w.key("throttled").value(s.throttled);
        if (s.connections_lowered_to)
            w.key("connections_lowered_to").value(static_cast<uint64_t>(s.connections_lowered_to));
        else
            w.key("connections_lowered_to").null();
        w.key("seconds").value(s.seconds);
        w.key("quirks").begin_array();
        for (const auto& q : s.quirks)
            w.value(q);
        w.end_array();
        w.key("errors").begin_array();
        auto add = [&](const core::Error& e) {
            w.begin_object()
                .key("kind")
                .value(core::to_string(e.kind))
                .key("scope")
                .value(to_string(e.scope));
            w.key("message").value(e.describe());
            if (!e.folder.empty())
                w.key("folder").value(e.folder);
            if (e.uid)
                w.key("uid").value(*e.uid);
            w.end_object();
        };
        for (const auto& e : s.errors)
            add(e);
        if (s.fatal)
            add(*s.fatal);
        w.end_array();
        w.key("exit_code").value(code);
        w.end_object();
        std::printf("%s\n", w.str().c_str());
        return;
    }
    for (const auto& e : s.errors)
        std::fprintf(stderr, "imapmirror: %s error: %s\n", to_string(e.scope),
                     e.describe().c_str());
    if (s.fatal)
        std::fprintf(stderr, "imapmirror: error: %s\n", s.fatal->describe().c_str());
    if (a.quiet && !s.fatal && s.errors.empty())
        return;
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", s.seconds);
    std::printf(
        "%s: %llu new messages (%s), %llu attachments, from %zu folders in %s s; %zu errors%s\n",
        s.fatal ? "Stopped" : "Exported", static_cast<unsigned long long>(s.messages),
        human_size(s.bytes).c_str(), static_cast<unsigned long long>(s.attachments), s.folders,
        secs, s.errors.size() + (s.fatal ? 1 : 0),
        s.parse_errors
            ? (", " + std::to_string(s.parse_errors) + " messages not fully parseable (kept)")
                  .c_str()
            : "");
    std::vector<std::string> changes;
    if (s.folders_unchanged)
        changes.push_back(std::to_string(s.folders_unchanged) + " folders unchanged");
    if (s.folders_refused)
        changes.push_back(std::to_string(s.folders_refused) +
                          " folders the server will not open, skipped as before");
    if (s.flags_changed)
        changes.push_back(std::to_string(s.flags_changed) + " flag changes");
    if (s.expunged)
        changes.push_back(std::to_string(s.expunged) + " expunged on the server (kept)");
    if (s.remapped)
        changes.push_back(std::to_string(s.remapped) + " re-identified after a UIDVALIDITY change");
    if (s.folders_deleted)
        changes.push_back(std::to_string(s.folders_deleted) +
                          " folders gone from the server (kept)");
    if (s.reconnects)
        changes.push_back(std::to_string(s.reconnects) + " reconnects");
    if (s.throttled)
        changes.push_back(
            "the server asked to slow down " + std::to_string(s.throttled) +
            (s.throttled == 1 ? " time" : " times") +
            (s.connections_lowered_to
                 ? " (went on with " + std::to_string(s.connections_lowered_to) + " connections)"
                 : std::string()));
    if (!changes.empty())
        std::printf("Also: %s\n", join(changes, ", ").c_str());
    if (!s.quirks.empty())
        std::printf("Server quirks worked around: %s\n",
                    join(std::vector<std::string>(s.quirks.begin(), s.quirks.end()), "; ").c_str());
    std::printf("Archive: %s (index: %s/index.sqlite)\n", a.out.c_str(), a.out.c_str());
}

int run_export(const ExportArgs& a) {
    // The password is resolved once: a reconnect must not prompt or run the command again.
    auto connection = resolve_connection(a.conn);
    if (!connection)
        return report_error(connection.error(), a.json);
    sync::ExportOptions options;
    options.root = a.out;
    options.include = a.include;
    options.exclude = a.exclude;
    options.retries = a.retries;
    options.connections = a.connections;
    options.index_bodies = !a.no_bodies;
    options.retry_wait = std::chrono::milliseconds(static_cast<int64_t>(a.retry_wait_s * 1000));
    core::install_interrupt_handler();
    // OAuth2 access tokens expire (Microsoft's after about an hour): a reconnect asks the token
    // command for a fresh one. A password is resolved once (no second prompt).
    // Called from every connection's thread.
    bool first_connect = true;
    std::mutex connect_mutex;
    auto connect = [&]() -> core::Result<std::unique_ptr<imap::Client>> {
        transport::ConnectOptions options;
        {
            std::lock_guard lock(connect_mutex);
            if (!first_connect && !a.conn.oauth2_token_command.empty()) {
                auto fresh = resolve_connection(a.conn);
                if (!fresh)
                    return std::move(fresh).error();
                connection = std::move(fresh);
            }
            first_connect = false;
            options = *connection;
        }
        return imap::Client::connect(options);
    };
    sync::Exporter exporter(connect, options);
    ProgressLine progress(!a.json && !a.quiet && ::isatty(STDERR_FILENO) &&
                          core::log_level() < core::LogLevel::Trace);
    exporter.set_progress([&](const sync::Progress& p) { progress.update(p); });
    auto summary = exporter.run(exit_code_of);
    progress.clear();
    if (!summary)
        return report_error(summary.error(), a.json);
    int code = exit_code_of(*summary);
    print_summary(a, *summary, code);
    return code;
}

}  // namespace

void add_export_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<ExportArgs>();
    auto* cmd = app.add_subcommand(
        "export",
        "Archive the whole account into DIR: one directory per folder, every message byte-exact as "
        ".eml, attachments extracted beside it, and a SQLite index (DIR/index.sqlite). Run it "
        "again "
        "to add new mail; what is archived is never fetched twice.");
    add_connection_options(*cmd, args->conn);
    // Required, but they may come from the config file: checked once it has been read.
    cmd->get_option("--host")->required(false);
    cmd->get_option("--user")->required(false);
    cmd->add_option("-o,--out", args->out, "Archive directory (created if needed)");
    cmd->add_option(
        "--include", args->include,
        "Only folders whose decoded name matches GLOB (repeatable; '*' also matches '/')");
    cmd->add_option("--exclude", args->exclude,
                    "Skip folders whose decoded name matches GLOB (repeatable)");
    cmd->add_flag("--json", args->json, "Machine-readable summary on stdout");
    cmd->add_option("-j,--connections", args->connections,
                    "IMAP connections working in parallel: folders, and ranges of a big folder, "
                    "are spread over them, which uses every core and hides network latency. "
                    "Servers cap them per account (Gmail 15, Dovecot 10 per user and address); "
                    "if the server refuses one, the others go on")
        ->check(CLI::Range(1, 15))
        ->capture_default_str();
    cmd->add_option("--retries", args->retries,
                    "Reconnects after a dropped connection before giving up")
        ->check(CLI::Range(0, 100))
        ->capture_default_str();
    cmd->add_option("--retry-wait", args->retry_wait_s,
                    "Seconds before the first reconnect; doubles each time, with jitter, up to 60")
        ->check(CLI::Range(0.0, 600.0))
        ->capture_default_str();
    cmd->add_flag("--no-bodies", args->no_bodies,
                  "Do not read message bodies into the search index while archiving (a little "
                  "faster; `search` then finds headers and attachment names only). `imapmirror "
                  "reindex DIR` reads them later");
    add_account_options(*cmd, args->choice);
    cmd->callback([cmd, args, &global, &exit_code] {
        global.apply();
        args->quiet = global.quiet;
        if (auto applied = apply_account(*cmd, args->choice); !applied) {
            exit_code = report_error(applied.error(), args->json);
            return;
        }
        if (auto given = require_options(*cmd, {"--host", "--user", "--out"}); !given) {
            exit_code = report_error(given.error(), args->json);
            return;
        }
        while (args->out.size() > 1 && args->out.back() == '/')
            args->out.pop_back();
        if (store::is_system_directory(args->out)) {
            auto e = core::make_error(core::ErrorKind::Usage,
                                      "--out " + args->out +
                                          " is a system or home directory; refusing to archive "
                                          "into it",
                                      core::Scope::Run);
            e.hint = "give the archive a directory of its own, e.g. ~/mail-archive";
            exit_code = report_error(e, args->json);
            return;
        }
        exit_code = run_export(*args);
    });
}

}  // namespace imapmirror::cli
