#include "fake_account.hpp"

#include <algorithm>

#include "scripted_imap.hpp"
#include "test_server.hpp"

namespace imapmirror::test {

struct FakeAccount::State {
    mutable std::mutex mutex;
    std::map<std::string, FakeFolder> folders;
    FakeQuirks quirks;
    std::vector<std::string> received;
    size_t bodies = 0;
};

namespace {

std::string unquote(std::string s) {
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"')
        return s.substr(1, s.size() - 2);
    return s;
}

// "1:3,7,9:*" against the folder's UIDs; `a:*` also matches the last message (RFC 3501 §6.4.8).
std::set<uint32_t> parse_set(const std::string& set, const FakeFolder& folder) {
    std::set<uint32_t> out;
    const uint32_t max = folder.messages.empty() ? 0 : folder.messages.back().uid;
    size_t pos = 0;
    while (pos <= set.size()) {
        size_t comma = set.find(',', pos);
        std::string item =
            set.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        auto num = [&](const std::string& s) -> uint32_t {
            return s == "*" ? max : static_cast<uint32_t>(std::stoul(s));
        };
        size_t colon = item.find(':');
        uint32_t lo = num(item.substr(0, colon));
        uint32_t hi = colon == std::string::npos ? lo : num(item.substr(colon + 1));
        if (lo > hi)
            std::swap(lo, hi);
        for (const auto& m : folder.messages)
            if (m.uid >= lo && m.uid <= hi)
                out.insert(m.uid);
        if (comma == std::string::npos)
            break;
        pos = comma + 1;
    }
    return out;
}

// What BODY[HEADER] returns: up to the empty line; with none, Courier's answer (the lines
// without the last line break).
std::string header_of(const std::string& bytes) {
    size_t end = bytes.find("\r\n\r\n");
    if (end != std::string::npos)
        return bytes.substr(0, end + 4);
    std::string h = bytes;
    while (!h.empty() && (h.back() == '\n' || h.back() == '\r'))
        h.pop_back();
    return h;
}

std::string literal(const std::string& s) {
    return "{" + std::to_string(s.size()) + "}\r\n" + s;
}

}  // namespace

FakeAccount::FakeAccount() : m_state(std::make_shared<State>()) {
    std::shared_ptr<State> state = m_state;
    auto answer = [state](const std::string& tag, const std::string& cmd,
                          std::string& selected) -> std::string {
        std::lock_guard lock(state->mutex);
        state->received.push_back(cmd);
        auto& q = state->quirks;
        auto starts = [&](const char* w) { return cmd.rfind(w, 0) == 0; };
        if (starts("CAPABILITY"))
            return "* CAPABILITY IMAP4rev1\r\n" + tag + " OK done\r\n";
        if (starts("LOGIN") || starts("NOOP"))
            return tag + " OK done\r\n";
        if (starts("LOGOUT"))
            return "* BYE bye\r\n" + tag + " OK done\r\n";
        if (starts("LIST")) {
            std::string out;
            for (const auto& [name, f] : state->folders)
                out += "* LIST () \"/\" \"" + name + "\"\r\n";
            return out + tag + " OK done\r\n";
        }
        if (starts("STATUS ")) {
            std::string name = unquote(cmd.substr(7, cmd.rfind(" (") - 7));
            auto it = state->folders.find(name);
            if (it == state->folders.end())
                return tag + " NO no such folder\r\n";
            const auto& f = it->second;
            const std::string shown = q.status_name_unquoted ? name : "\"" + name + "\"";
            return "* STATUS " + shown + " (MESSAGES " + std::to_string(f.messages.size()) +
                   " UNSEEN 0 UIDNEXT " + std::to_string(f.uidnext) + " UIDVALIDITY " +
                   std::to_string(f.uidvalidity) + ")\r\n" + tag + " OK done\r\n";
        }
        if (starts("EXAMINE ")) {
            std::string name = unquote(cmd.substr(8));
            auto it = state->folders.find(name);
            if (it == state->folders.end())
                return tag + " NO no such folder\r\n";
            if (q.not_mail.count(name))
                return tag + " NO EXAMINE failed: not a mail folder\r\n";
            selected = name;
            if (name == q.broken_folder)
                return "* FLAGS " + std::string(2000, '(') + "\r\n" + tag + " OK done\r\n";
            const auto& f = it->second;
            std::string out = "* " + std::to_string(f.messages.size()) +
                              " EXISTS\r\n* OK [UIDVALIDITY " + std::to_string(f.uidvalidity) +
                              "] ok\r\n";
            if (!q.examine_without_uidnext)
                out += "* OK [UIDNEXT " + std::to_string(f.uidnext) + "] ok\r\n";
            return out + tag + " OK [READ-ONLY] done\r\n";
        }
        auto sel = state->folders.find(selected);
        if (sel == state->folders.end())
            return tag + " BAD no folder selected\r\n";
        const auto& folder = sel->second;
        if (starts("UID SEARCH ")) {
            std::string criteria = cmd.substr(11);
            std::string out = "* SEARCH";
            if (!(q.uid_search_empty && criteria.rfind("UID ", 0) == 0)) {
                auto uids = criteria == "ALL" ? parse_set("1:*", folder)
                                              : parse_set(criteria.substr(4), folder);
                for (uint32_t u : uids)
                    out += " " + std::to_string(u);
            }
            return out + "\r\n" + tag + " OK done\r\n";
        }
        if (starts("UID FETCH ")) {
            size_t sp = cmd.find(' ', 10);
            auto uids = parse_set(cmd.substr(10, sp - 10), folder);
            const std::string items = cmd.substr(sp + 1);
            const bool body = items.find("BODY.PEEK[]") != std::string::npos;
            const bool header = items.find("BODY.PEEK[HEADER]") != std::string::npos;
            if (body && q.throttle_fetches > 0) {
                --q.throttle_fetches;
                return tag +
                       " NO [THROTTLED] Request is throttled. Suggested Backoff Time: 100 "
                       "milliseconds\r\n";
            }
            const bool down = !q.unavailable_folder.empty() && selected == q.unavailable_folder;
            if (body && (q.unavailable_fetches > 0 || down)) {
                if (!down)
                    --q.unavailable_fetches;
                return tag + " " + q.unavailable_reply + "\r\n";
            }
            if (body && std::any_of(uids.begin(), uids.end(),
                                    [&](uint32_t u) { return q.refuse.count(u) > 0; }))
                return tag + " NO [UNAVAILABLE] the message cannot be read now\r\n";
            std::string out;
            auto fetch_line = [&](size_t seq, const FakeMessage& m) {
                std::string line =
                    "* " + std::to_string(seq) + " FETCH (UID " + std::to_string(m.uid);
                if (items.find("FLAGS") != std::string::npos)
                    line += " FLAGS ()";
                if (items.find("RFC822.SIZE") != std::string::npos)
                    line += " RFC822.SIZE " +
                            std::to_string(static_cast<int64_t>(m.bytes.size()) + q.size_delta);
                if (header)
                    line += " BODY[HEADER] " + literal(header_of(m.bytes));
                if (body) {
                    line += " BODY[] " + literal(m.bytes);
                    ++state->bodies;
                }
                return line + ")\r\n";
            };
            for (size_t i = 0; i < folder.messages.size(); ++i) {
                const auto& m = folder.messages[i];
                if (uids.count(m.uid) && !(body && q.omit.count(m.uid)))
                    out += fetch_line(i + 1, m);
            }
            if (body && q.unrequested)
                out += fetch_line(1, *q.unrequested);
            if (body && q.throttle_ok > 0) {
                --q.throttle_ok;
                return out + tag + " OK [THROTTLED] done, but slow down\r\n";
            }
            return out + tag + " OK done\r\n";
        }
        return tag + " BAD unexpected\r\n";
    };
    m_server = std::make_unique<FakeServer>(
        [answer](int fd) {
            std::string selected;
            scripted_imap([&](const std::string& tag, const std::string& cmd) {
                return answer(tag, cmd, selected);
            })(fd);
        },
        true);
}

FakeAccount::~FakeAccount() = default;

int FakeAccount::port() const {
    return m_server->port();
}

void FakeAccount::edit(
    const std::function<void(std::map<std::string, FakeFolder>&, FakeQuirks&)>& f) {
    std::lock_guard lock(m_state->mutex);
    f(m_state->folders, m_state->quirks);
}

size_t FakeAccount::commands(const std::string& word) const {
    std::lock_guard lock(m_state->mutex);
    return static_cast<size_t>(
        std::count_if(m_state->received.begin(), m_state->received.end(),
                      [&](const std::string& c) { return c.rfind(word, 0) == 0; }));
}

size_t FakeAccount::bodies_sent() const {
    std::lock_guard lock(m_state->mutex);
    return m_state->bodies;
}

}  // namespace imapmirror::test
