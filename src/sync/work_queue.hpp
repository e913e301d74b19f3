#pragma once
// The export's work list, shared by its connections (one thread each). A folder starts as one
// Plan task (EXAMINE, search, flags); planning adds its Fetch tasks (UID ranges), which any
// connection may take, so one big folder is spread over all of them. The queue tracks each
// folder's outstanding tasks and says when its last one is done, and how it went.
//
// Thread safety: every member may be called from any thread.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace imapmirror::sync {

struct Task {
    enum class Kind { Plan, Fetch };
    Kind kind = Kind::Plan;
    size_t folder = 0;           // index into the run's folder list
    std::vector<uint32_t> uids;  // Fetch: UIDs to download, ascending
    bool resumed = false;        // given back once: some of `uids` may be archived already
};

// How a task ended, as far as its folder is concerned.
enum class TaskOutcome {
    Done,        // all of it
    Incomplete,  // some messages failed (recorded); the folder's other tasks go on
    Failed,      // the folder cannot go on: its remaining tasks are dropped
};

// A folder whose last task just ended.
struct FolderFinished {
    size_t folder = 0;
    bool complete = false;  // every task Done: the folder's state may be recorded as synced
};

class WorkQueue {
  public:
    explicit WorkQueue(size_t folders);

    // Adds a task at the back; counts towards its folder until done() or dropped.
    void push(Task task);

    // The next task, waiting while others are still running (they may add more). Prefers a
    // Fetch of `selected` (the folder the caller's connection has open: no EXAMINE needed),
    // then the oldest task. Empty once every task is done, or after stop().
    std::optional<Task> take(std::optional<size_t> selected);

    // The caller ended a task it took. Returns the folder when this was its last task. A Failed
    // outcome drops the folder's queued tasks at once.
    std::optional<FolderFinished> done(const Task& task, TaskOutcome outcome);

    // Gives a taken task back, to be taken first (its connection broke; another may do it).
    // When its folder failed meanwhile, the task is dropped instead, which may finish the folder.
    std::optional<FolderFinished> give_back(Task task);

    // Ends the run early: take() returns nothing from now on, in every thread.
    void stop();
    // Cheap (no lock): fetches poll it between messages.
    bool stopped() const { return m_stopped; }

  private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Task> m_tasks;
    size_t m_running = 0;                // taken, not yet done or given back
    std::atomic<bool> m_stopped{false};  // read without the lock, once per message
    struct FolderState {
        size_t outstanding = 0;
        bool failed = false;
        bool incomplete = false;
    };
    std::vector<FolderState> m_folders;
};

}  // namespace imapmirror::sync
