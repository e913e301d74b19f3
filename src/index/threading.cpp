#include "index/threading.hpp"

#include <glib.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>
#include <unordered_map>

namespace imapmirror::index {

namespace {

class DisjointSets {
  public:
    size_t add() {
        m_parent.push_back(m_parent.size());
        return m_parent.size() - 1;
    }
    size_t find(size_t x) {
        while (m_parent[x] != x) {
            m_parent[x] = m_parent[m_parent[x]];
            x = m_parent[x];
        }
        return x;
    }
    void unite(size_t a, size_t b) {
        a = find(a);
        b = find(b);
        if (a != b)
            m_parent[std::max(a, b)] = std::min(a, b);
    }

  private:
    std::vector<size_t> m_parent;
};

std::vector<std::string> angle_ids(const std::string& s) {
    std::vector<std::string> ids;
    size_t pos = 0;
    while ((pos = s.find('<', pos)) != std::string::npos) {
        size_t end = s.find('>', pos);
        if (end == std::string::npos)
            break;
        if (end > pos + 1)
            ids.push_back(s.substr(pos, end - pos + 1));
        pos = end + 1;
    }
    return ids;
}

// Outlook's conversation key: the first 22 bytes of the decoded Thread-Index, in hex (a key
// is stored as text in the index).
std::string conversation_key(const std::string& thread_index) {
    if (thread_index.empty())
        return {};
    gsize len = 0;
    guchar* raw = g_base64_decode(thread_index.c_str(), &len);
    std::string key;
    if (raw && len >= 22) {
        static const char* hex = "0123456789abcdef";
        for (size_t i = 0; i < 22; ++i) {
            key += hex[raw[i] >> 4];
            key += hex[raw[i] & 0xF];
        }
    }
    g_free(raw);
    return key;
}

}  // namespace

std::string normalize_subject(std::string_view s) {
    std::string out;
    for (;;) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
            s.remove_prefix(1);
        size_t colon = s.find(':');
        if (colon == std::string_view::npos || colon > 4)
            break;
        std::string prefix;
        for (char c : s.substr(0, colon))
            prefix += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (prefix != "re" && prefix != "fwd" && prefix != "fw" && prefix != "aw" &&
            prefix != "wg" && prefix != "sv" && prefix != "vs")
            break;
        s.remove_prefix(colon + 1);
    }
    for (char c : s)
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (!out.empty() && (out.back() == ' ' || out.back() == '\t'))
        out.pop_back();
    return out;
}

std::vector<std::string> thread_keys(const ThreadInput& m, bool own_id) {
    std::vector<std::string> keys;
    if (own_id && !m.message_id.empty())
        keys.push_back("id:" + m.message_id);
    for (const auto& ref : angle_ids(m.references))
        keys.push_back("id:" + ref);
    for (const auto& ref : angle_ids(m.in_reply_to))
        keys.push_back("id:" + ref);
    if (std::string conv = conversation_key(m.thread_index); !conv.empty())
        keys.push_back("ti:" + conv);
    if (!m.gm_thread.empty())
        keys.push_back("gm:" + m.gm_thread);
    return keys;
}

std::vector<std::vector<size_t>> group_threads(const std::vector<ThreadInput>& messages) {
    DisjointSets sets;
    for (size_t i = 0; i < messages.size(); ++i)
        sets.add();                                   // node i = message i
    std::unordered_map<std::string, size_t> id_node;  // Message-ID / conversation -> node
    auto node_for = [&](const std::string& key) {
        auto it = id_node.find(key);
        if (it != id_node.end())
            return it->second;
        size_t n = sets.add();
        id_node.emplace(key, n);
        return n;
    };
    // Which message owns a Message-ID: the first one with it; later holders with the same
    // normalized subject are copies of it, others are different messages reusing the ID.
    std::unordered_map<std::string, std::string> owner_subject;
    for (size_t i = 0; i < messages.size(); ++i) {
        const auto& m = messages[i];
        bool own_id = false;
        if (!m.message_id.empty()) {
            std::string subject = normalize_subject(m.subject);
            auto [it, fresh] = owner_subject.emplace(m.message_id, subject);
            own_id = fresh || it->second == subject;
        }
        for (const auto& key : thread_keys(m, own_id))
            sets.unite(i, node_for(key));
    }
    std::map<size_t, std::vector<size_t>> by_root;
    for (size_t i = 0; i < messages.size(); ++i)
        by_root[sets.find(i)].push_back(i);
    std::vector<std::vector<size_t>> groups;
    for (auto& [root, members] : by_root)
        groups.push_back(std::move(members));
    std::sort(groups.begin(), groups.end(),
              [](const auto& a, const auto& b) { return a.front() < b.front(); });
    return groups;
}

}  // namespace imapmirror::index
