// Receiving a FETCH body: the one rule the export and `fetch` share (sync/body_receipt.hpp).

#include "sync/body_receipt.hpp"

#include <catch2/catch.hpp>

#include "unit/temp_dir.hpp"

using namespace imapmirror;
using sync::BodyReceipt;

namespace {

const imap::Value kStreamed{imap::Value::Type::Streamed, "", {}, 0};
const imap::Value kNil{imap::Value::Type::Nil, "", {}, 0};

// A FETCH response with UID, RFC822.SIZE and BODY[] as the parser gives it, after `bytes`
// went into the sink (none when `bytes` is empty).
struct Arrived {
    imap::FetchData data;
    Arrived(sync::MessageSink& sink, uint32_t seq, uint32_t uid, std::optional<uint64_t> size,
            std::string_view bytes, const imap::Value& body = kStreamed) {
        sink.begin();
        if (!bytes.empty()) {
            REQUIRE(sink.write(bytes));
            REQUIRE(sink.finish());
        }
        data.seq = seq;
        data.uid = uid;
        data.size = size;
        data.sections.push_back(imap::FetchSection{"BODY[]", &body});
    }
};

}  // namespace

TEST_CASE("body receipt: an RFC822.SIZE that differs from the bytes keeps the bytes",
          "[sync][receipt]") {
    test::TempDir dir;
    auto sink = sync::MessageSink::into_directory(dir.path);
    sync::AskedMessages asked({7});
    Arrived a(sink, 1, 7, 120, "Subject: x\r\n\r\nbody\r\n");
    auto r = sync::receive_body(a.data, sink, asked);
    CHECK(r.kind == BodyReceipt::Kind::Body);
    CHECK(r.announced_size == 120u);
    CHECK(sink.has_body());
    CHECK(sync::size_quirk_line(7, 120, 20) ==
          "the server's RFC822.SIZE differs from the bytes it sends (UID 7: 120 announced, 20 "
          "sent)");
}

TEST_CASE("body receipt: a matching RFC822.SIZE is no quirk", "[sync][receipt]") {
    test::TempDir dir;
    auto sink = sync::MessageSink::into_directory(dir.path);
    sync::AskedMessages asked({7});
    const std::string bytes = "Subject: x\r\n\r\nbody\r\n";
    Arrived a(sink, 1, 7, bytes.size(), bytes);
    auto r = sync::receive_body(a.data, sink, asked);
    CHECK(r.kind == BodyReceipt::Kind::Body);
    CHECK_FALSE(r.announced_size);
}

TEST_CASE("body receipt: a message not asked for, or sent twice, is refused and discarded",
          "[sync][receipt]") {
    test::TempDir dir;
    auto sink = sync::MessageSink::into_directory(dir.path);
    sync::AskedMessages asked({7});
    Arrived other(sink, 2, 8, std::nullopt, "Subject: other\r\n\r\n");
    CHECK(sync::receive_body(other.data, sink, asked).kind == BodyReceipt::Kind::NotAskedFor);
    CHECK_FALSE(sink.has_body());
    CHECK_FALSE(asked.settled(7));

    Arrived first(sink, 1, 7, std::nullopt, "Subject: first\r\n\r\n");
    CHECK(sync::receive_body(first.data, sink, asked).kind == BodyReceipt::Kind::Body);
    CHECK(asked.settled(7));
    Arrived again(sink, 1, 7, std::nullopt, "Subject: again\r\n\r\n");
    CHECK(sync::receive_body(again.data, sink, asked).kind == BodyReceipt::Kind::Twice);
    CHECK_FALSE(sink.has_body());
    CHECK(asked.unsettled_uids().empty());
}

TEST_CASE("body receipt: a NIL body or a literal cut short is no body, and settles the UID",
          "[sync][receipt]") {
    test::TempDir dir;
    auto sink = sync::MessageSink::into_directory(dir.path);
    sync::AskedMessages asked({7, 9});
    Arrived nil(sink, 1, 7, std::nullopt, "", kNil);
    CHECK(sync::receive_body(nil.data, sink, asked).kind == BodyReceipt::Kind::NoBody);
    Arrived cut(sink, 2, 9, std::nullopt, "");  // begun, never finished
    CHECK(sync::receive_body(cut.data, sink, asked).kind == BodyReceipt::Kind::NoBody);
    CHECK(asked.unsettled_uids().empty());
}

TEST_CASE("body receipt: asked for by sequence number, the message is taken under its UID",
          "[sync][receipt]") {
    test::TempDir dir;
    auto sink = sync::MessageSink::into_directory(dir.path);
    sync::AskedMessages asked({}, {3});
    Arrived a(sink, 3, 4711, std::nullopt, "Subject: x\r\n\r\n");
    auto r = sync::receive_body(a.data, sink, asked);
    CHECK(r.kind == BodyReceipt::Kind::Body);
    CHECK(r.uid == 4711);
    Arrived flags(sink, 3, 4711, std::nullopt, "Subject: x\r\n\r\n");
    CHECK(sync::receive_body(flags.data, sink, asked).kind == BodyReceipt::Kind::Twice);
}

TEST_CASE("body receipt: a FETCH without a body item or without UID is not a body",
          "[sync][receipt]") {
    test::TempDir dir;
    auto sink = sync::MessageSink::into_directory(dir.path);
    sync::AskedMessages asked({7});
    imap::FetchData flags;
    flags.seq = 1;
    flags.uid = 7;
    CHECK(sync::receive_body(flags, sink, asked).kind == BodyReceipt::Kind::NotABody);
    Arrived no_uid(sink, 1, 7, std::nullopt, "Subject: x\r\n\r\n");
    no_uid.data.uid.reset();
    CHECK(sync::receive_body(no_uid.data, sink, asked).kind == BodyReceipt::Kind::NotABody);
    CHECK_FALSE(asked.settled(7));
}
