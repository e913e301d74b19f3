#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <type_traits>

#include "index/archive_index.hpp"
#include "temp_index.hpp"

using namespace imapmirror;
using namespace imapmirror::index;
using test::TempIndex;

namespace {

// A record with every member set, each to a value of its own.
MessageRecord full_record(int64_t folder_id) {
    MessageRecord m;
    int64_t next = 100;
    for (const auto& c : kMessageColumns)
        std::visit(
            [&](auto member) {
                auto& value = m.*member;
                using T = std::decay_t<decltype(value)>;
                if constexpr (std::is_same_v<T, std::string>)
                    value = std::string("value of ") + c.name;
                else if constexpr (std::is_integral_v<T>)
                    value = static_cast<T>(++next);
                else
                    value = static_cast<uint64_t>(++next);  // an optional
            },
            c.member);
    m.folder_id = folder_id;
    for (const auto& f : core::kHeaderFields)
        m.headers.*f.member = std::string("header ") + f.header;
    return m;
}

}  // namespace

TEST_CASE("index: a message row writes every column of messages from the one field list",
          "[index]") {
    TempIndex t;
    auto ix = ArchiveIndex::open(t.path());
    REQUIRE(ix);
    FolderRecord inbox;
    inbox.name = inbox.raw_name = inbox.path = "INBOX";
    auto folder = ix->upsert_folder(inbox);
    REQUIRE(folder);
    const MessageRecord m = full_record(*folder);
    REQUIRE(ix->insert_messages({m}));

    // A column a migration adds without its line in kMessageColumns or core::kHeaderFields
    // stays NULL: named here.
    auto columns = ix->db().prepare("SELECT name FROM pragma_table_info('messages')");
    REQUIRE(columns);
    for (;;) {
        auto row = columns->step();
        REQUIRE(row);
        if (!*row)
            break;
        const std::string name = columns->column_text(0);
        if (name == "id" || name == "thread_id" || name == "deleted_at")
            continue;
        INFO("column " << name);
        auto value = ix->db().prepare("SELECT " + name + " IS NULL FROM messages");
        REQUIRE(value);
        REQUIRE(value->step());
        CHECK(value->column_int(0) == 0);
    }

    // Each member went to its own column.
    for (const auto& f : core::kHeaderFields) {
        INFO("header column " << f.column);
        auto value = ix->db().prepare(std::string("SELECT ") + f.column + " FROM messages");
        REQUIRE(value);
        REQUIRE(value->step());
        CHECK(value->column_text(0) == m.headers.*f.member);
    }
    for (const auto& c : kMessageColumns) {
        INFO("column " << c.name);
        auto value = ix->db().prepare(std::string("SELECT ") + c.name + " FROM messages");
        REQUIRE(value);
        REQUIRE(value->step());
        std::visit(
            [&](auto member) {
                const auto& expected = m.*member;
                using T = std::decay_t<decltype(expected)>;
                if constexpr (std::is_same_v<T, std::string>)
                    CHECK(value->column_text(0) == expected);
                else if constexpr (std::is_integral_v<T>)
                    CHECK(value->column_int(0) == static_cast<int64_t>(expected));
                else
                    CHECK(value->column_int(0) == static_cast<int64_t>(*expected));
            },
            c.member);
    }
}
