#include "sync/work_queue.hpp"

#include <algorithm>
#include <cassert>

namespace imapmirror::sync {

WorkQueue::WorkQueue(size_t folders) : m_folders(folders) {}

void WorkQueue::push(Task task) {
    {
        std::lock_guard lock(m_mutex);
        assert(task.folder < m_folders.size());
        ++m_folders[task.folder].outstanding;
        m_tasks.push_back(std::move(task));
    }
    m_changed.notify_one();
}

std::optional<Task> WorkQueue::take(std::optional<size_t> selected) {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [&] { return m_stopped || !m_tasks.empty() || m_running == 0; });
    if (m_stopped || m_tasks.empty())
        return std::nullopt;
    auto it = m_tasks.begin();
    if (selected) {
        auto same = std::find_if(m_tasks.begin(), m_tasks.end(), [&](const Task& t) {
            return t.kind == Task::Kind::Fetch && t.folder == *selected;
        });
        if (same != m_tasks.end())
            it = same;
    }
    Task task = std::move(*it);
    m_tasks.erase(it);
    ++m_running;
    return task;
}

std::optional<FolderFinished> WorkQueue::done(const Task& task, TaskOutcome outcome) {
    std::optional<FolderFinished> finished;
    {
        std::lock_guard lock(m_mutex);
        --m_running;
        auto& folder = m_folders[task.folder];
        if (outcome == TaskOutcome::Failed) {
            folder.failed = true;
            auto dropped = std::remove_if(m_tasks.begin(), m_tasks.end(),
                                          [&](const Task& t) { return t.folder == task.folder; });
            folder.outstanding -= static_cast<size_t>(m_tasks.end() - dropped);
            m_tasks.erase(dropped, m_tasks.end());
        } else if (outcome == TaskOutcome::Incomplete) {
            folder.incomplete = true;
        }
        if (--folder.outstanding == 0)
            finished = FolderFinished{task.folder, !folder.failed && !folder.incomplete};
    }
    // Waiters may now be able to finish (nothing running, nothing queued).
    m_changed.notify_all();
    return finished;
}

std::optional<FolderFinished> WorkQueue::give_back(Task task) {
    std::optional<FolderFinished> finished;
    {
        std::lock_guard lock(m_mutex);
        --m_running;
        auto& folder = m_folders[task.folder];
        if (!folder.failed)
            m_tasks.push_front(std::move(task));
        else if (--folder.outstanding == 0)
            finished = FolderFinished{task.folder, false};
    }
    m_changed.notify_all();
    return finished;
}

void WorkQueue::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopped = true;
    }
    m_changed.notify_all();
}

}  // namespace imapmirror::sync
