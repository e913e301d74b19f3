#include "sync/body_receipt.hpp"

#include <algorithm>

namespace imapmirror::sync {

namespace {
std::vector<AskedMessages::Asked> sorted(const std::vector<uint32_t>& numbers) {
    std::vector<AskedMessages::Asked> out;
    for (uint32_t n : numbers)
        out.push_back({n, false});
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.number < b.number; });
    out.erase(std::unique(out.begin(), out.end(),
                          [](const auto& a, const auto& b) { return a.number == b.number; }),
              out.end());
    return out;
}

template <class List>
auto* find(List& list, uint32_t n) {
    auto it = std::lower_bound(list.begin(), list.end(), n,
                               [](const auto& a, uint32_t v) { return a.number < v; });
    return it != list.end() && it->number == n ? &*it : nullptr;
}
}  // namespace

AskedMessages::AskedMessages(const std::vector<uint32_t>& uids, const std::vector<uint32_t>& seqs)
    : m_uids(sorted(uids)), m_seqs(sorted(seqs)) {}

bool AskedMessages::settled(uint32_t uid) const {
    const auto* a = find(m_uids, uid);
    return a && a->settled;
}

void AskedMessages::settle(uint32_t uid) {
    if (auto* a = find(m_uids, uid))
        a->settled = true;
}

AskedMessages::Match AskedMessages::match(uint32_t uid, uint32_t seq) {
    Asked* by_uid = find(m_uids, uid);
    Asked* by_seq = find(m_seqs, seq);
    Asked* open = by_uid && !by_uid->settled   ? by_uid
                  : by_seq && !by_seq->settled ? by_seq
                                               : nullptr;
    return Match{open, by_uid || by_seq};
}

std::vector<uint32_t> AskedMessages::unsettled_uids() const {
    std::vector<uint32_t> out;
    for (const auto& a : m_uids)
        if (!a.settled)
            out.push_back(a.number);
    return out;
}

std::string size_quirk_line(uint32_t uid, uint64_t announced, uint64_t sent) {
    return "the server's RFC822.SIZE differs from the bytes it sends (UID " + std::to_string(uid) +
           ": " + std::to_string(announced) + " announced, " + std::to_string(sent) + " sent)";
}

BodyReceipt receive_body(const imap::FetchData& f, MessageSink& sink, AskedMessages& asked) {
    BodyReceipt r;
    const imap::FetchSection* body = f.section("BODY[]");
    if (!body || !f.uid) {
        if (body)
            sink.discard();
        return r;
    }
    r.uid = *f.uid;
    r.seq = f.seq;
    // Only what was asked for, once: anything else could replace an archived message.
    const auto match = asked.match(*f.uid, f.seq);
    if (!match.open) {
        sink.discard();
        r.kind = match.asked ? BodyReceipt::Kind::Twice : BodyReceipt::Kind::NotAskedFor;
        return r;
    }
    match.open->settled = true;
    if (body->value->is_nil() || !sink.has_body()) {
        sink.discard();
        r.kind = BodyReceipt::Kind::NoBody;
        return r;
    }
    r.kind = BodyReceipt::Kind::Body;
    if (f.size && *f.size != sink.size())
        r.announced_size = *f.size;
    return r;
}

}  // namespace imapmirror::sync
