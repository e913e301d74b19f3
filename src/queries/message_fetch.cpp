#include "queries/message_fetch.hpp"

#include <unistd.h>

#include <algorithm>

#include "sync/body_receipt.hpp"
#include "sync/message_sink.hpp"
#include "sync/msg_file.hpp"

namespace imapmirror::queries {

namespace {

std::string path_of(const FetchDestination& d, uint32_t uid) {
    switch (d.kind) {
        case FetchDestination::Kind::Stdout:
            return "-";
        case FetchDestination::Kind::File:
            return d.output;
        case FetchDestination::Kind::Directory:
            break;
    }
    return d.output + "/" + std::to_string(uid) + "." + d.format;
}

// The body in `sink` saved at `path`: the bytes as they are, or a .msg converted from them
// (the .eml only a temporary).
core::Result<uint64_t> save(sync::MessageSink& sink, const FetchDestination& d,
                            const std::string& path, uint32_t uid) {
    const bool as_msg = d.format == "msg";
    IMM_ASSIGN(auto taken, as_msg ? sink.take(std::nullopt) : sink.commit(path));
    if (as_msg) {
        auto written = sync::write_msg_file(taken.temp_path, path);
        ::unlink(taken.temp_path.c_str());
        if (!written) {
            core::Error e = std::move(written).error();
            e.uid = uid;
            return e;
        }
    }
    return taken.size;
}

}  // namespace

core::Result<std::vector<SavedMessage>> fetch_messages(
    imap::Client& client, const std::string& folder, const std::vector<uint32_t>& uids,
    const std::vector<uint32_t>& seqs, const FetchDestination& destination,
    const std::function<void(const std::string&)>& warn) {
    auto sink = destination.kind == FetchDestination::Kind::Stdout
                    ? sync::MessageSink::to_stdout()
                    : sync::MessageSink::into_directory(destination.directory);
    std::vector<SavedMessage> saved;
    sync::AskedMessages asked(uids, seqs);
    bool size_warned = false;
    imap::FetchRequest request;
    request.items = "(UID RFC822.SIZE BODY.PEEK[])";
    request.body_sink = [&]() -> imap::LiteralSink* {
        sink.begin();
        return &sink;
    };
    request.on_message = [&](const imap::FetchData& f) -> core::Result<void> {
        const sync::BodyReceipt receipt = sync::receive_body(f, sink, asked);
        if (receipt.kind == sync::BodyReceipt::Kind::NotABody ||
            receipt.kind == sync::BodyReceipt::Kind::NotAskedFor ||
            receipt.kind == sync::BodyReceipt::Kind::Twice)
            return {};  // the user gets what was asked for, once
        if (receipt.kind == sync::BodyReceipt::Kind::NoBody) {
            auto e = core::make_error(core::ErrorKind::NotFound, "the server returned no body");
            e.uid = f.uid;
            return e;
        }
        if (receipt.announced_size && !size_warned) {
            size_warned = true;
            warn(sync::size_quirk_line(receipt.uid, *receipt.announced_size, sink.size()) +
                 "; the bytes sent are saved");
        }
        const std::string path = path_of(destination, *f.uid);
        IMM_ASSIGN(auto size, save(sink, destination, path, *f.uid));
        saved.push_back(SavedMessage{*f.uid, f.seq, size, path});
        return {};
    };
    auto in_folder = [&](core::Error e) {
        if (e.folder.empty())
            e.folder = folder;
        return e;
    };
    // Pipelined: one command per message, all in flight within the session's window.
    std::vector<imap::MessageSet> sets;
    for (uint32_t uid : uids)
        sets.push_back(imap::MessageSet{true, std::to_string(uid)});
    for (uint32_t seq : seqs)
        sets.push_back(imap::MessageSet{false, std::to_string(seq)});
    auto refused = client.fetch_streamed(sets, request);
    if (!refused)
        return in_folder(refused.error());
    if (!refused->empty())
        return in_folder(imap::completion_error(refused->front().answer, "FETCH"));
    return saved;
}

std::optional<core::Error> missing_message(const std::string& folder, uint64_t exists,
                                           const std::vector<uint32_t>& uids,
                                           const std::vector<uint32_t>& seqs,
                                           const std::vector<SavedMessage>& saved) {
    for (uint32_t uid : uids) {
        if (std::any_of(saved.begin(), saved.end(),
                        [&](const SavedMessage& s) { return s.uid == uid; }))
            continue;
        auto e = core::make_error(core::ErrorKind::NotFound, "no message with this UID");
        e.folder = folder;
        e.uid = uid;
        e.hint = "see the UIDs with `imapmirror list`";
        return e;
    }
    for (uint32_t seq : seqs) {
        if (std::any_of(saved.begin(), saved.end(),
                        [&](const SavedMessage& s) { return s.seq == seq; }))
            continue;
        auto e = core::make_error(core::ErrorKind::NotFound,
                                  "no message with sequence number " + std::to_string(seq) +
                                      " (the folder has " + std::to_string(exists) + ")");
        e.folder = folder;
        return e;
    }
    return std::nullopt;
}

}  // namespace imapmirror::queries
