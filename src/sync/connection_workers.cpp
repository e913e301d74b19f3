#include "sync/connection_workers.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "sync/backoff.hpp"
#include "sync/body_fetcher.hpp"

namespace imapmirror::sync {

using core::ErrorKind;
using core::Result;
using core::Scope;

class ConnectionWorkers::Worker {
  public:
    Worker(ConnectionWorkers& group, size_t number, std::unique_ptr<imap::Client> client)
        : m_group(group), m_number(number), m_client(std::move(client)) {}

    void run();

  private:
    Result<TaskOutcome> run_task(Task& task);
    Result<TaskOutcome> plan(const Task& task);
    Result<TaskOutcome> fetch(Task& task);
    // Records a folder whose last task just ended.
    void finished(std::optional<FolderFinished> folder);
    Result<void> reconnect(core::Error why);
    // The server asked us to slow down: counted; while another connection remains this one
    // leaves (true), so the rest of the run uses fewer connections.
    // `counted`: the caller counted it already.
    bool slow_down(const std::string& reply, bool counted = false);
    // This connection is done for; the others go on without it, unless it was the last.
    void leave(core::Error why);
    void end_run(core::Error why);

    ConnectionWorkers& m_group;
    size_t m_number;
    std::unique_ptr<imap::Client> m_client;
    std::optional<size_t> m_selected;  // folder index the connection has examined
    size_t m_throttle_hints = 0;       // of the session, already acted on
    std::string m_fetch_throttled;     // the last task's throttling NO, waited out by its fetch
};

void ConnectionWorkers::Worker::run() {
    auto& queue = m_group.m_queue;
    auto& run = m_group.m_run;
    while (auto task = queue.take(m_selected)) {
        if (!m_client) {
            auto connected = m_group.m_connect();
            if (!connected) {
                finished(queue.give_back(std::move(*task)));
                leave(std::move(connected).error());
                return;
            }
            m_client = std::move(*connected);
        }
        auto outcome = run_task(*task);
        if (outcome) {
            finished(queue.done(*task, *outcome));
            // [THROTTLED] inside an OK, or a throttling NO the fetch waited out: the work went
            // through, but fewer connections from now.
            const size_t hints = m_client->session().throttle_hints();
            const std::string refused = std::exchange(m_fetch_throttled, std::string());
            if (hints > m_throttle_hints || !refused.empty()) {
                // The fetch counted its NOs; a hint in an OK is counted here.
                const bool counted = hints == m_throttle_hints;
                m_throttle_hints = hints;
                if (slow_down(refused.empty() ? "OK [THROTTLED]" : refused, counted)) {
                    m_client->logout();
                    return;
                }
                std::this_thread::sleep_for(m_group.m_options.retry_wait);
            }
            continue;
        }
        auto e = std::move(outcome).error();
        if (queue.stopped()) {  // another connection ended the run; this error is its echo
            finished(queue.done(*task, TaskOutcome::Failed));
            break;
        }
        // A reply we could not read, or one over a limit, is the server's answer for this
        // folder: it costs the folder, not the run. The parser stops at such a reply, so the
        // connection is not used again (nor one the session closed: a handler's error, or a
        // caller that left commands in flight; see imap/session.hpp).
        const bool bad_reply = e.kind == ErrorKind::Parse || e.kind == ErrorKind::Limit;
        if (e.scope == Scope::Folder || e.scope == Scope::Message || bad_reply) {
            if (e.kind == ErrorKind::NotFound)
                e.hint = "the folder disappeared during the run";
            if (bad_reply || !m_client->session().usable() || m_client->session().in_flight() > 0) {
                m_client.reset();
                m_selected.reset();
            }
            if (bad_reply)
                e.scope = Scope::Folder;
            run.add_error(std::move(e).with_folder(m_group.m_folders[task->folder].record.name));
            finished(queue.done(*task, TaskOutcome::Failed));
            continue;
        }
        if (e.retryable) {
            // Everything complete is committed: whoever takes the task resumes after it.
            task->resumed = true;
            finished(queue.give_back(std::move(*task)));
            m_client.reset();
            m_selected.reset();
            m_throttle_hints = 0;
            if (e.throttled && slow_down(e.server_reply))
                return;
            if (auto again = reconnect(std::move(e)); !again) {
                leave(std::move(again).error());
                return;
            }
            continue;
        }
        finished(queue.done(*task, TaskOutcome::Failed));
        end_run(std::move(e));
        break;
    }
    if (m_client && !run.has_fatal())
        m_client->logout();
}

Result<TaskOutcome> ConnectionWorkers::Worker::run_task(Task& task) {
    if (core::interrupted())
        return core::interrupted_error();
    return task.kind == Task::Kind::Plan ? plan(task) : fetch(task);
}

Result<TaskOutcome> ConnectionWorkers::Worker::plan(const Task& task) {
    auto& job = m_group.m_folders[task.folder];
    m_group.m_run.progress([&](Progress& p) { p.folder = job.record.name; });
    m_selected.reset();
    IMM_ASSIGN(job.plan, sync_folder(*m_client, m_group.m_run, job.record, job.status_uidnext));
    m_selected = task.folder;
    const auto& uids = job.plan.to_fetch;
    m_group.m_run.progress([&](Progress& p) {
        p.messages_total -= std::min(p.messages_total, job.estimate);
        p.messages_total += uids.size();
    });
    job.estimate = 0;
    // Ranges small enough that every connection gets a share of a big folder.
    const size_t per_task = std::max<size_t>(1, m_group.m_options.uids_per_task);
    for (size_t i = 0; i < uids.size(); i += per_task) {
        Task fetch{Task::Kind::Fetch, task.folder, {}};
        fetch.uids.assign(
            uids.begin() + static_cast<std::ptrdiff_t>(i),
            uids.begin() + static_cast<std::ptrdiff_t>(std::min(uids.size(), i + per_task)));
        m_group.m_queue.push(std::move(fetch));
    }
    return TaskOutcome::Done;
}

Result<TaskOutcome> ConnectionWorkers::Worker::fetch(Task& task) {
    auto& job = m_group.m_folders[task.folder];
    const uint32_t uidvalidity = *job.plan.state.uidvalidity;
    auto& run = m_group.m_run;
    if (task.resumed) {
        // A broken connection left part of it archived: not again.
        IMM_ASSIGN(auto live, run.with_index([&](index::ArchiveIndex& ix) {
            return ix.live_uids(job.record.id, uidvalidity);
        }));
        std::vector<uint32_t> rest;
        std::set_difference(task.uids.begin(), task.uids.end(), live.begin(), live.end(),
                            std::back_inserter(rest));
        task.uids = std::move(rest);
        task.resumed = false;
    }
    if (m_selected != task.folder) {
        m_selected.reset();
        auto state = m_client->examine(job.record.name);
        if (!state)
            return std::move(state).error().with_folder(job.record.name);
        if (state->uidvalidity != uidvalidity) {
            auto e =
                core::make_error(ErrorKind::Protocol,
                                 "the folder's UIDVALIDITY changed during the run", Scope::Folder);
            e.folder = job.record.name;
            e.hint = "run again: the next run re-maps what is archived";
            return e;
        }
        m_selected = task.folder;
    }
    run.progress([&](Progress& p) { p.folder = job.record.name; });
    BodyFetcher fetcher(*m_client, run, m_group.m_options, job.record, uidvalidity,
                        [this] { return m_group.m_queue.stopped(); });
    auto fetched = fetcher.fetch(task.uids);
    m_fetch_throttled = fetcher.throttled_reply();
    IMM_ASSIGN(size_t failed, std::move(fetched));
    // Deferred by the byte budget: the folder is not recorded as synced, the next run plans
    // those messages again.
    return failed > 0 || fetcher.deferred() > 0 ? TaskOutcome::Incomplete : TaskOutcome::Done;
}

void ConnectionWorkers::Worker::finished(std::optional<FolderFinished> folder) {
    if (!folder)
        return;
    if (folder->complete) {
        auto& job = m_group.m_folders[folder->folder];
        if (auto r = record_synced(m_group.m_run, job.record, job.plan); !r)
            end_run(std::move(r).error());
    }
    m_group.m_run.count([](ExportSummary& s) { ++s.folders; });
    m_group.m_run.progress([](Progress& p) { ++p.folders_done; });
}

Result<void> ConnectionWorkers::Worker::reconnect(core::Error why) {
    const auto& options = m_group.m_options;
    for (;;) {
        const int attempt = ++m_group.m_reconnects;
        if (attempt > options.retries) {
            why.hint =
                "gave up after " + std::to_string(options.retries) + " reconnects; run again later";
            return why;
        }
        auto wait = backoff(options, attempt, why.server_reply);
        core::log(core::LogLevel::Normal, "connection lost (" + why.describe() +
                                              "); reconnecting in " + std::to_string(wait.count()) +
                                              " ms (attempt " + std::to_string(attempt) + " of " +
                                              std::to_string(options.retries) + ")");
        IMM_TRY(wait_or_stop(wait, [this] { return m_group.m_queue.stopped(); }));
        auto connected = m_group.m_connect();
        if (connected) {
            m_client = std::move(*connected);
            m_group.m_run.count([](ExportSummary& s) { ++s.reconnects; });
            return {};
        }
        if (!connected.error().retryable)
            return std::move(connected).error();
        why = std::move(connected).error();
    }
}

bool ConnectionWorkers::Worker::slow_down(const std::string& reply, bool counted) {
    auto& run = m_group.m_run;
    if (!counted)
        run.count([](ExportSummary& s) { ++s.throttled; });
    int alive = m_group.m_alive.load();
    while (alive > 1 && !m_group.m_alive.compare_exchange_weak(alive, alive - 1)) {
    }
    if (alive <= 1) {
        core::log(core::LogLevel::Normal,
                  "the server asks us to slow down (" + core::one_line(reply) + "); backing off");
        return false;  // the last connection: it backs off and goes on
    }
    const int left = alive - 1;
    run.count([&](ExportSummary& s) {
        if (s.connections_lowered_to == 0 || static_cast<size_t>(left) < s.connections_lowered_to)
            s.connections_lowered_to = static_cast<size_t>(left);
    });
    core::log(core::LogLevel::Normal, "the server asks us to slow down (" + core::one_line(reply) +
                                          "); going on with " + std::to_string(left) +
                                          (left == 1 ? " connection" : " connections"));
    return true;
}

void ConnectionWorkers::Worker::leave(core::Error why) {
    if (why.kind == ErrorKind::Cancelled || m_group.m_queue.stopped()) {
        end_run(std::move(why));
        return;
    }
    if (--m_group.m_alive == 0) {
        end_run(std::move(why));  // nobody left to do the rest
        return;
    }
    core::log(core::LogLevel::Normal, "connection " + std::to_string(m_number + 1) + ": " +
                                          why.describe() + "; the other connections go on");
}

void ConnectionWorkers::Worker::end_run(core::Error why) {
    m_group.m_run.set_fatal(std::move(why));
    m_group.m_queue.stop();
}

ConnectionWorkers::ConnectionWorkers(ConnectFn connect, const ExportOptions& options,
                                     SharedRun& run, WorkQueue& queue,
                                     std::vector<FolderJob>& folders)
    : m_connect(std::move(connect)),
      m_options(options),
      m_run(run),
      m_queue(queue),
      m_folders(folders) {}

void ConnectionWorkers::run(std::unique_ptr<imap::Client> first, size_t count) {
    count = std::max<size_t>(1, count);
    m_alive = static_cast<int>(count);
    // An exception cannot cross a thread (it would terminate the process, files half-written):
    // it ends the run as an error instead, like main() would report it.
    auto guarded = [this](size_t number, std::unique_ptr<imap::Client> client) {
        try {
            Worker(*this, number, std::move(client)).run();
        } catch (const std::exception& e) {
            m_run.set_fatal(core::make_error(
                ErrorKind::Io, std::string("internal error: ") + e.what(), Scope::Run));
            m_queue.stop();
        }
    };
    std::vector<std::thread> threads;
    for (size_t i = 1; i < count; ++i)
        threads.emplace_back(guarded, i, nullptr);
    guarded(0, std::move(first));
    for (auto& t : threads)
        t.join();
}

}  // namespace imapmirror::sync
