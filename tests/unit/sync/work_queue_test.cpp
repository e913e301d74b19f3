#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "sync/work_queue.hpp"

using namespace imapmirror::sync;

namespace {
Task fetch(size_t folder, std::vector<uint32_t> uids) {
    return Task{Task::Kind::Fetch, folder, std::move(uids)};
}
}  // namespace

TEST_CASE("work queue: a connection keeps to the folder it has open, else takes the oldest task",
          "[sync]") {
    WorkQueue q(3);
    q.push(Task{Task::Kind::Plan, 2, {}});
    q.push(fetch(0, {1, 2}));
    q.push(fetch(1, {5}));
    auto t = q.take(1);
    REQUIRE(t);
    CHECK(t->folder == 1);
    CHECK(t->kind == Task::Kind::Fetch);
    auto u = q.take(std::nullopt);
    REQUIRE(u);
    CHECK(u->kind == Task::Kind::Plan);
    CHECK(u->folder == 2);
}

TEST_CASE("work queue: a folder finishes with its last task, complete only if all were Done",
          "[sync]") {
    WorkQueue q(2);
    q.push(Task{Task::Kind::Plan, 0, {}});
    auto plan = q.take(std::nullopt);
    q.push(fetch(0, {1}));  // planning adds fetches before it is done
    q.push(fetch(0, {2}));
    CHECK_FALSE(q.done(*plan, TaskOutcome::Done));
    auto a = q.take(0);
    auto b = q.take(0);
    CHECK_FALSE(q.done(*a, TaskOutcome::Incomplete));
    auto finished = q.done(*b, TaskOutcome::Done);
    REQUIRE(finished);
    CHECK(finished->folder == 0);
    CHECK_FALSE(finished->complete);    // one message of it failed: not recorded as synced
    CHECK_FALSE(q.take(std::nullopt));  // drained: nothing running, nothing queued

    WorkQueue r(1);
    r.push(fetch(0, {1}));
    auto only = r.take(std::nullopt);
    auto done = r.done(*only, TaskOutcome::Done);
    REQUIRE(done);
    CHECK(done->complete);
}

TEST_CASE("work queue: a failed folder drops its queued tasks, other folders go on", "[sync]") {
    WorkQueue q(2);
    q.push(fetch(0, {1}));
    q.push(fetch(0, {2}));
    q.push(fetch(1, {3}));
    auto first = q.take(std::nullopt);
    REQUIRE(first->folder == 0);
    auto finished = q.done(*first, TaskOutcome::Failed);
    REQUIRE(finished);  // its other task was dropped, so this was the last
    CHECK_FALSE(finished->complete);
    auto next = q.take(std::nullopt);
    REQUIRE(next);
    CHECK(next->folder == 1);
}

TEST_CASE("work queue: a task given back is taken next, by whoever asks", "[sync]") {
    WorkQueue q(1);
    q.push(fetch(0, {1}));
    q.push(fetch(0, {2}));
    auto t = q.take(std::nullopt);
    t->resumed = true;
    CHECK_FALSE(q.give_back(std::move(*t)));
    auto again = q.take(std::nullopt);
    REQUIRE(again);
    CHECK(again->uids == std::vector<uint32_t>{1});
    CHECK(again->resumed);
}

TEST_CASE("work queue: waiting connections wake for new work, and leave when all is done",
          "[sync]") {
    WorkQueue q(1);
    q.push(Task{Task::Kind::Plan, 0, {}});
    auto plan = q.take(std::nullopt);
    std::atomic<int> taken{0};
    std::vector<std::thread> waiters;
    for (int i = 0; i < 3; ++i)
        waiters.emplace_back([&] {
            while (auto t = q.take(std::nullopt)) {
                ++taken;
                (void)q.done(*t, TaskOutcome::Done);
            }
        });
    // The waiters block: a task is running and may add more.
    for (uint32_t uid = 1; uid <= 10; ++uid)
        q.push(fetch(0, {uid}));
    (void)q.done(*plan, TaskOutcome::Done);
    for (auto& w : waiters)
        w.join();
    CHECK(taken == 10);
}

TEST_CASE("work queue: stop wakes every waiting connection with nothing", "[sync]") {
    WorkQueue q(1);
    q.push(Task{Task::Kind::Plan, 0, {}});
    auto plan = q.take(std::nullopt);
    std::thread waiter([&] { CHECK_FALSE(q.take(std::nullopt)); });
    q.stop();
    waiter.join();
    CHECK(q.stopped());
}
