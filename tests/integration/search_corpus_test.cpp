// `search` over real-world messages nobody here wrote (../shared/corpora): for a plain-text
// message, an HTML-only one, one with an attachment and one in a non-UTF-8 charset, a word
// found only in its body text (or attachment file name) finds exactly that message. The words
// are chosen from the messages themselves, so the test follows the corpora when they change.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "../corpora.hpp"
#include "mime/message_parser.hpp"
#include "test_server.hpp"

using namespace imapmirror;
using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

// Counts attachment names; their bytes are not needed.
class NamesOnly : public mime::AttachmentOutput {
  public:
    std::vector<std::string> names;
    core::Result<void> begin(const mime::AttachmentMeta& meta) override {
        names.push_back(meta.filename);
        return {};
    }
    core::Result<void> write(std::string_view) override { return {}; }
    core::Result<void> end() override { return {}; }
};

struct Message {
    std::string file;     // the corpus file
    std::string folder;   // where it was loaded
    int uid = 0;          // its UID there (load order)
    std::string raw;      // lower-cased file bytes
    std::string headers;  // lower-cased header block
    mime::BodyOrigin origin = mime::BodyOrigin::None;
    bool truncated = false;
    std::vector<std::string> body_words, name_words;
};

// Latin-1 letters in UTF-8 (0xC3 0x80..0xBF) folded as FTS5's unicode61 remove_diacritics
// does, ASCII lower-cased: so "für" and "fur" compare equal when checking uniqueness.
std::string fold(const std::string& w) {
    static const char* latin =
        "aaaaaaaceeeeiiiidnooooo*ouuuuyts"
        "aaaaaaaceeeeiiiidnooooo*ouuuuyty";
    std::string out;
    for (size_t i = 0; i < w.size(); ++i) {
        const auto c = static_cast<unsigned char>(w[i]);
        if (c == 0xC3 && i + 1 < w.size()) {
            const auto n = static_cast<unsigned char>(w[++i]);
            out += n >= 0x80 && n <= 0xBF ? latin[n - 0x80] : '*';
        } else {
            out += static_cast<char>(std::tolower(c));
        }
    }
    return out;
}

// Words as unicode61 splits Latin text: runs of ASCII letters and digits and of non-ASCII
// bytes. Only runs that are letters, where non-ASCII ones are Latin-1 letters, are kept, so
// that the test's split and the index's agree (CJK runs, punctuation and digits are left out).
std::vector<std::string> latin_words(const std::string& text) {
    std::vector<std::string> out;
    std::string cur;
    bool ok = true;
    auto flush = [&] {
        if (ok && cur.size() >= 5 && cur.size() <= 24)
            out.push_back(cur);
        cur.clear();
        ok = true;
    };
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80 && !std::isalnum(c)) {
            flush();
            continue;
        }
        if (c < 0x80) {
            ok = ok && std::isalpha(c);
            cur += static_cast<char>(c);
        } else if (c == 0xC3 && i + 1 < text.size()) {
            const auto n = static_cast<unsigned char>(text[i + 1]);
            ok = ok && n >= 0x80 && n <= 0xBF && n != 0x97 && n != 0xB7;  // not × ÷
            cur += text.substr(i, 2);
            ++i;
        } else {
            ok = false;
            cur += static_cast<char>(c);
        }
    }
    flush();
    return out;
}

std::string lower(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

Message read_message(const std::string& file, const std::string& folder, int uid) {
    Message m{file, folder, uid, {}, {}, mime::BodyOrigin::None, false, {}, {}};
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    m.raw = lower(ss.str());
    size_t end = m.raw.find("\n\n");
    const size_t crlf = m.raw.find("\r\n\r\n");
    if (crlf != std::string::npos && (end == std::string::npos || crlf < end))
        end = crlf;
    m.headers = m.raw.substr(0, end);
    NamesOnly names;
    mime::ParseLimits limits;
    limits.body_text = true;
    auto parsed = mime::parse_message_file(file, names, limits);
    REQUIRE(parsed);
    // The indexed header fields as the index reads them (RFC 2047 decoded), besides the raw
    // block: a body word must be in neither.
    const auto& h = parsed->info;
    m.headers += "\n" + lower(h.subject + "\n" + h.from + "\n" + h.to + "\n" + h.cc);
    m.origin = parsed->body.origin;
    m.truncated = parsed->body.truncated;
    m.body_words = latin_words(parsed->body.text);
    for (const auto& n : names.names)
        for (auto& w : latin_words(n))
            m.name_words.push_back(w);
    return m;
}

bool is_non_utf8(const Message& m) {
    static const std::regex charset(R"(charset\s*=\s*"?([a-z0-9_.:-]+))");
    bool other = false;
    for (std::sregex_iterator it(m.raw.begin(), m.raw.end(), charset), end; it != end; ++it) {
        const std::string cs = (*it)[1];
        if (cs == "utf-8" || cs == "utf8")
            return false;
        if (cs != "us-ascii")
            other = true;
    }
    return other;
}

struct Pick {
    const Message* message = nullptr;
    std::string word;
};

// The first message satisfying `wanted` with a word from `words_of` that no other message has
// in its bytes, body text or attachment names, and that its own header block does not hold.
// Longer words first: the least likely to be near-misses of others under diacritic folding.
template <class Wanted, class WordsOf>
Pick pick(const std::vector<Message>& all, const std::map<std::string, std::set<size_t>>& owners,
          Wanted wanted, WordsOf words_of, bool want_non_ascii = false) {
    for (size_t i = 0; i < all.size(); ++i) {
        const Message& m = all[i];
        if (!wanted(m))
            continue;
        auto words = words_of(m);
        std::stable_sort(
            words.begin(), words.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
        for (const auto& w : words) {
            const bool non_ascii = std::any_of(w.begin(), w.end(), [](char c) { return c & 0x80; });
            if (want_non_ascii && !non_ascii)
                continue;
            const std::string f = fold(w), l = lower(w);
            if (owners.at(f) != std::set<size_t>{i})
                continue;
            if (m.headers.find(l) != std::string::npos || m.headers.find(f) != std::string::npos)
                continue;
            bool elsewhere = false;
            for (size_t j = 0; j < all.size() && !elsewhere; ++j)
                elsewhere = j != i && (all[j].raw.find(l) != std::string::npos ||
                                       all[j].raw.find(f) != std::string::npos);
            if (!elsewhere)
                return {&m, w};
        }
    }
    return {};
}

// The ids `search --json` printed.
std::vector<std::string> hit_ids(const std::string& json) {
    static const std::regex id("\"id\":([0-9]+)");
    std::vector<std::string> out;
    for (std::sregex_iterator it(json.begin(), json.end(), id), end; it != end; ++it)
        out.push_back((*it)[1]);
    return out;
}

std::vector<std::string> search_ids(const std::string& dir, const std::string& word) {
    // A phrase, so that a word is never read as FTS5 syntax (AND, NOT, a column name).
    auto r = run_imapmirror({"search", dir, "\"" + word + "\"", "--json", "--limit", "50"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return hit_ids(r.out);
}

}  // namespace

TEST_CASE(
    "search: corpus messages are found by a word only in their plain, HTML-only or non-UTF-8 "
    "body or attachment name",
    "[integration][corpus]") {
    IMM_SKIP_WITHOUT_CORPORA(root);
    struct Spec {
        const char* folder;
        const char* dir;
        const char* ext;
    } specs[] = {{"corpus/ruby-mail", "ruby-mail/spec/fixtures/emails", ".eml"},
                 {"corpus/mimetools", "mime4j/core/src/test/resources/mimetools-testmsgs", ".msg"},
                 {"corpus/spamassassin", "spamassassin/t/data/nice", ""}};
    DovecotServer server;
    std::vector<Message> all;
    for (const auto& s : specs) {
        std::vector<std::string> files;
        for (const auto& e : fs::recursive_directory_iterator(root + "/" + s.dir))
            if (e.is_regular_file() && (!*s.ext || e.path().extension() == s.ext))
                files.push_back(e.path().string());
        std::sort(files.begin(), files.end());
        REQUIRE_FALSE(files.empty());
        load_files(server, s.folder, files);
        for (size_t i = 0; i < files.size(); ++i)
            all.push_back(read_message(files[i], s.folder, static_cast<int>(i + 1)));
    }
    // Which messages each (folded) word of a body or attachment name belongs to.
    std::map<std::string, std::set<size_t>> owners;
    for (size_t i = 0; i < all.size(); ++i) {
        for (const auto& w : all[i].body_words)
            owners[fold(w)].insert(i);
        for (const auto& w : all[i].name_words)
            owners[fold(w)].insert(i);
    }
    auto body = [](const Message& m) { return m.body_words; };
    auto names = [](const Message& m) { return m.name_words; };
    auto whole = [](const Message& m) { return !m.truncated; };
    const Pick plain = pick(
        all, owners,
        [&](const Message& m) { return whole(m) && m.origin == mime::BodyOrigin::Plain; }, body);
    const Pick html = pick(
        all, owners,
        [&](const Message& m) { return whole(m) && m.origin == mime::BodyOrigin::Html; }, body);
    // Best a word with letters the charset had to be decoded for ("für" from ISO-8859-1).
    auto non_utf8 = [&](const Message& m) {
        return whole(m) && is_non_utf8(m) && m.origin != mime::BodyOrigin::None;
    };
    Pick charset = pick(all, owners, non_utf8, body, true);
    if (!charset.message)
        charset = pick(all, owners, non_utf8, body);
    const Pick attachment = pick(
        all, owners, [](const Message& m) { return !m.name_words.empty(); }, names);
    const std::vector<std::pair<const char*, Pick>> picks = {{"plain", plain},
                                                             {"HTML-only", html},
                                                             {"non-UTF-8", charset},
                                                             {"attachment name", attachment}};
    for (const auto& [what, p] : picks) {
        INFO(what);
        REQUIRE(p.message != nullptr);
    }

    const std::string sandbox = make_temp_dir();
    const std::string out = sandbox + "/archive", bare = sandbox + "/no-bodies";
    for (const auto& [dir, extra] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {out, {}}, {bare, {"--no-bodies"}}}) {
        auto r = run_imapmirror(with(with({"export", "--out", dir, "--include", "corpus/*"}, extra),
                                     server.tls_args()));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
    auto id_of = [&](const std::string& dir, const Message& m) {
        auto rows = query(dir + "/index.sqlite",
                          "SELECT m.id FROM messages m JOIN folders f ON f.id = m.folder_id WHERE "
                          "f.name = '" +
                              m.folder + "' AND m.uid = " + std::to_string(m.uid));
        REQUIRE(rows.size() == 1);
        return rows.at(0).at(0);
    };
    for (const auto& [what, p] : picks) {
        INFO(what << ": '" << p.word << "' from " << p.message->file);
        CHECK(search_ids(out, p.word) == std::vector<std::string>{id_of(out, *p.message)});
    }
    // Without bodies the body words are not found: the hits above came from the body text.
    for (const Pick& p : std::vector<Pick>{plain, html, charset}) {
        INFO("'" << p.word << "' from " << p.message->file);
        CHECK(search_ids(bare, p.word).empty());
    }
    std::system(("rm -rf '" + sandbox + "'").c_str());
}
