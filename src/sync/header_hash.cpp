#include "sync/header_hash.hpp"

namespace imapmirror::sync {

void HeaderHasher::update(std::string_view chunk) {
    size_t clean = 0;  // start of the bytes not yet hashed or held
    auto hash_upto = [&](size_t end) {
        if (end > clean)
            m_hash.update(chunk.substr(clean, end - clean));
        clean = end;
    };
    for (size_t i = 0; i < chunk.size() && m_state != State::Done; ++i) {
        const char c = chunk[i];
        if (c != '\r' && c != '\n') {
            if (!m_breaks.empty()) {
                hash_upto(i);
                m_hash.update(m_breaks);
                m_breaks.clear();
            }
            m_state = State::InLine;
            continue;
        }
        // A line break: held back until a header byte follows it.
        hash_upto(i);
        m_breaks.push_back(c);
        clean = i + 1;
        if (c == '\n')
            m_state = m_state == State::InLine ? State::LineStart : State::Done;
        else if (m_state == State::LineStart)
            m_state = State::LineStartCr;
    }
    if (m_state != State::Done)
        hash_upto(chunk.size());
}

std::string HeaderHasher::hex() {
    return m_hash.hex();
}

std::string header_sha256(std::string_view header) {
    HeaderHasher h;
    h.update(header);
    return h.hex();
}

std::string legacy_header_sha256(std::string_view header) {
    store::Sha256 h;
    h.update(header);
    return h.hex();
}

}  // namespace imapmirror::sync
