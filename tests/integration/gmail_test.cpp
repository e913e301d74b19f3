// Gmail-shaped exports: the daily byte budget (--max-bytes), and single-instance mode against
// our own Gmail-behaving server.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "scoped_temp_dir.hpp"
#include "test_server.hpp"

using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

std::string scalar(const std::string& db, const std::string& sql) {
    return query(db, sql).at(0).at(0);
}

// The number after "key": in a --json summary.
uint64_t json_number(const std::string& json, const std::string& key) {
    const std::string needle = "\"" + key + "\":";
    const size_t p = json.find(needle);
    REQUIRE(p != std::string::npos);
    return std::stoull(json.substr(p + needle.size()));
}

void save(const RealServer& server, const std::string& folder, const std::string& message) {
    std::string path = server.dir() + "/new.eml";
    std::ofstream(path, std::ios::binary) << message;
    REQUIRE(std::system(("echo '" + path + "' | '" + source_dir() + "/scripts/test-server' load '" +
                         server.dir() + "' '" + folder + "'")
                            .c_str()) == 0);
}

std::string message(int n, size_t body_bytes) {
    return "From: n@example.org\r\nSubject: big " + std::to_string(n) + "\r\nMessage-ID: <big-" +
           std::to_string(n) + "@example.org>\r\n\r\n" + std::string(body_bytes, 'x') + "\r\n";
}

// Bodies (BODY[] answers) Dovecot sent since `offset` in its log, once every connection of the
// run has logged out (the count stops changing).
uint64_t bodies_sent(const RealServer& server, size_t offset) {
    uint64_t last = UINT64_MAX;
    for (int i = 0; i < 20; ++i) {
        uint64_t now = dovecot_bodies_since(server.dir() + "/dovecot.log", offset);
        if (now == last)
            return now;
        last = now;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return last;
}

// Every message (folder, UID, bytes, path) and every file of an archive.
std::vector<std::string> fingerprint(const std::string& root) {
    std::vector<std::string> out;
    for (const auto& r : query(root + "/index.sqlite",
                               "SELECT f.name || ' ' || m.uid || ' ' || m.sha256 || ' ' || m.path "
                               "FROM messages m JOIN folders f ON f.id = m.folder_id ORDER BY 1"))
        out.push_back(r[0]);
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        std::string rel = fs::relative(e.path(), root).string();
        if (rel.rfind("index.sqlite", 0) == 0 || rel == ".imapmirror.lock")
            continue;
        files.push_back(rel);
    }
    std::sort(files.begin(), files.end());
    out.insert(out.end(), files.begin(), files.end());
    return out;
}

// A Gmail account as our relay (tests/integration/gmail_relay.py) presents it, in front of a
// real Dovecot: the relay follows Google's IMAP extensions documentation,
// https://developers.google.com/gmail/imap/imap-extensions (X-GM-EXT-1, X-GM-MSGID,
// X-GM-THRID, X-GM-LABELS, the \All special use of [Gmail]/All Mail). Every message is in
// [Gmail]/All Mail once (Spam and Trash apart, as Gmail keeps them), and each label is a folder
// holding copies, as Gmail shows labels over IMAP.
class GmailAccount {
  public:
    struct Message {
        std::string folder;  // [Gmail]/All Mail, [Gmail]/Spam or [Gmail]/Trash
        uint64_t msgid, thrid;
        std::vector<std::string> labels;
        size_t body_bytes = 100;
    };

    // `store_pause`: seconds the relay waits before answering each label STORE (see
    // gmail_relay.py), for a test that kills the client in that moment.
    explicit GmailAccount(std::vector<Message> messages, double store_pause = 0)
        : m_messages(std::move(messages)) {
        // One `test-server load` per folder, each folder's messages in order (their UIDs).
        std::map<std::string, int> next_uid;
        std::map<std::string, std::vector<std::string>> files;
        fs::create_directories(m_server.dir() + "/messages");
        for (size_t i = 0; i < m_messages.size(); ++i) {
            auto& m = m_messages[i];
            m.body_bytes = std::max<size_t>(m.body_bytes, 1);
            const std::string file = m_server.dir() + "/messages/" + std::to_string(i) + ".eml";
            std::ofstream(file, std::ios::binary) << text(m);
            files[m.folder].push_back(file);
            m_uids.push_back(++next_uid[m.folder]);
            for (const auto& label : m.labels)
                if (auto folder = label_folder(label); !folder.empty())
                    files[folder].push_back(file);
        }
        for (const auto& [folder, list] : files)
            load_files(m_server, folder, list);
        write_mapping();
        const std::string port_file = m_server.dir() + "/relay.port";
        const std::string cmd =
            "GMAIL_RELAY_STORE_PAUSE=" + std::to_string(store_pause) + " python3 '" + source_dir() +
            "/tests/integration/gmail_relay.py' " + std::to_string(m_server.plain_port()) + " '" +
            mapping_path() + "' '" + log_path() + "' '" + port_file + "' >'" + m_server.dir() +
            "/relay.err' 2>&1 & echo $! >'" + m_server.dir() + "/relay.pid'";
        REQUIRE(std::system(cmd.c_str()) == 0);
        for (int i = 0; i < 100 && !fs::exists(port_file); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        REQUIRE(fs::exists(port_file));
        m_port = std::stoi(read_file(port_file));
        std::ofstream{log_path()};  // counted from empty
    }
    ~GmailAccount() {
        const std::string pid = read_file(m_server.dir() + "/relay.pid");
        if (!pid.empty())
            ::kill(static_cast<pid_t>(std::stol(pid)), SIGTERM);
    }

    std::vector<std::string> args() const {
        return {"--host", "127.0.0.1", "--port", std::to_string(m_port), "--tls",
                "none",   "--user",    "alice",  "--password-file",      m_server.password_file()};
    }
    // The labels of message `i` change on the server: as on Gmail, its MODSEQ moves.
    void relabel(size_t i, std::vector<std::string> labels) {
        m_messages.at(i).labels = std::move(labels);
        write_mapping();
        m_server.doveadm("flags add -u alice '$GmLabelsChanged' mailbox '" + m_messages[i].folder +
                         "' uid " + std::to_string(m_uids[i]));
    }
    // Every message's labels become `labels` at once (one MODSEQ move per folder); the folders
    // of labels no message had yet are created.
    void relabel_all(const std::vector<std::string>& labels) {
        std::set<std::string> folders;
        for (auto& m : m_messages) {
            m.labels = labels;
            folders.insert(m.folder);
        }
        write_mapping();
        for (const auto& label : labels)
            if (auto folder = label_folder(label); !folder.empty())
                m_server.doveadm("mailbox create -u alice '" + folder + "' || true");
        for (const auto& folder : folders)
            m_server.doveadm("flags add -u alice '$GmLabelsChanged' mailbox '" + folder +
                             "' uid 1:*");
    }
    // `folder` gets the UIDVALIDITY of `like` (Gmail's are per account, so its folders often
    // share one): the same UID then has the same file name in both.
    void share_uidvalidity(const std::string& folder, const std::string& like) {
        std::string status =
            m_server.doveadm("-f flow mailbox status -u alice uidvalidity '" + like + "'");
        status = status.substr(status.find('=') + 1);
        status.erase(status.find_last_not_of(" \r\n") + 1);
        m_server.doveadm("mailbox update -u alice --uid-validity " + status + " '" + folder + "'");
    }
    // The user deletes `label` in Gmail: it leaves every message, and its folder goes.
    void delete_label(const std::string& label) {
        for (size_t i = 0; i < m_messages.size(); ++i) {
            auto labels = m_messages[i].labels;
            auto gone = std::remove(labels.begin(), labels.end(), label);
            if (gone != labels.end()) {
                labels.erase(gone, labels.end());
                relabel(i, labels);
            }
        }
        m_server.doveadm("mailbox delete -u alice '" + label_folder(label) + "'");
    }
    // X-GM-MSGID -> how many times its body was sent, from the relay's log.
    std::map<uint64_t, int> downloads() const {
        std::map<uint64_t, int> out;
        std::istringstream log(read_file(log_path()));
        for (std::string line; std::getline(log, line);)
            ++out[std::stoull(line.substr(line.rfind(' ') + 1))];
        return out;
    }
    // Lines "BODY <folder> <uid> <msgid>" of the relay's log.
    std::string download_log() const { return read_file(log_path()); }
    // Lines "STORE <folder> <uid> <labels as sent>": the label STOREs the relay received.
    std::string store_log() const { return read_file(log_path() + ".stores"); }
    // The messages in `folder` of the Dovecot behind the relay.
    int count(const std::string& folder) const {
        const std::string status =
            m_server.doveadm("-f flow mailbox status -u alice messages '" + folder + "'");
        INFO(status);
        REQUIRE(status.find('=') != std::string::npos);
        return std::stoi(status.substr(status.find('=') + 1));
    }
    const std::vector<Message>& messages() const { return m_messages; }

  private:
    static std::string text(const Message& m) {
        return "From: g@example.org\r\nSubject: gmail " + std::to_string(m.msgid) +
               "\r\nMessage-ID: <gm-" + std::to_string(m.msgid) + "@example.org>\r\n\r\n" +
               std::string(m.body_bytes, 'g') + "\r\n";
    }
    // The folder Gmail shows a label as (system labels: their [Gmail] folder).
    static std::string label_folder(const std::string& label) {
        if (label == "\\Inbox")
            return "INBOX";
        if (label == "\\Starred")
            return "[Gmail]/Starred";
        if (label == "\\Important")
            return "[Gmail]/Important";
        if (!label.empty() && label[0] == '\\')
            return "";
        return label;
    }
    std::string mapping_path() const { return m_server.dir() + "/gmail-mapping.json"; }
    std::string log_path() const { return m_server.dir() + "/relay.log"; }
    static std::string json_string(const std::string& s) {
        std::string out = "\"";
        for (char c : s) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        return out + "\"";
    }
    void write_mapping() const {
        std::string j =
            "{\"special_use\": {\"[Gmail]/All Mail\": \"\\\\All\", "
            "\"[Gmail]/Spam\": \"\\\\Junk\", \"[Gmail]/Trash\": \"\\\\Trash\", "
            "\"[Gmail]/Starred\": \"\\\\Flagged\", "
            "\"[Gmail]/Important\": \"\\\\Important\"}, \"messages\": {";
        std::map<std::string, std::vector<std::string>> by_folder;
        for (size_t i = 0; i < m_messages.size(); ++i) {
            const auto& m = m_messages[i];
            std::string labels;
            for (const auto& l : m.labels)
                labels += (labels.empty() ? "" : ", ") + json_string(l);
            by_folder[m.folder].push_back(json_string(std::to_string(m_uids[i])) +
                                          ": {\"msgid\": " + std::to_string(m.msgid) +
                                          ", \"thrid\": " + std::to_string(m.thrid) +
                                          ", \"labels\": [" + labels + "]}");
        }
        bool first = true;
        for (const auto& [folder, entries] : by_folder) {
            j += (first ? "" : ", ") + json_string(folder) + ": {";
            first = false;
            for (size_t i = 0; i < entries.size(); ++i)
                j += (i ? ", " : "") + entries[i];
            j += "}";
        }
        j += "}}";
        std::ofstream(mapping_path() + ".tmp") << j;
        fs::rename(mapping_path() + ".tmp", mapping_path());
    }

    DovecotServer m_server;
    std::vector<Message> m_messages;
    std::vector<int> m_uids;  // in its folder, by index into m_messages
    int m_port = 0;
};

// Five messages: two share a thread, one has three labels, one has a non-ASCII label, one has
// none; one in Spam, one in Trash.
std::vector<GmailAccount::Message> sample_account(size_t body_bytes = 100) {
    return {
        {"[Gmail]/All Mail", 1001, 9001, {"\\Inbox", "Work", "\\Starred"}, body_bytes},
        {"[Gmail]/All Mail", 1002, 9001, {"Work", "Projekte/Ärger"}, body_bytes},
        {"[Gmail]/All Mail", 1003, 9003, {}, body_bytes},
        {"[Gmail]/All Mail", 1004, 9004, {"\\Inbox", "\\Important"}, body_bytes},
        {"[Gmail]/Spam", 1005, 9005, {}, body_bytes},
        {"[Gmail]/Trash", 1006, 9006, {}, body_bytes},
    };
}

// The labels the index holds, "<key> label" per row, sorted; the key a column of `messages`.
std::vector<std::string> indexed_labels(const std::string& out,
                                        const std::string& key = "gm_msgid") {
    std::vector<std::string> rows;
    for (const auto& r : query(out + "/index.sqlite",
                               "SELECT m." + key +
                                   " || ' ' || l.name FROM message_labels ml JOIN "
                                   "messages m ON m.id = ml.message_id JOIN labels l ON l.id = "
                                   "ml.label_id ORDER BY 1"))
        rows.push_back(r[0]);
    return rows;
}

// The .eml of the message with `msgid`, relative to the archive.
std::string path_of(const std::string& out, uint64_t msgid) {
    return scalar(out + "/index.sqlite",
                  "SELECT path FROM messages WHERE gm_msgid = " + std::to_string(msgid));
}

ino_t inode(const std::string& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_ino;
}

std::string file_name(const std::string& path) {
    return path.substr(path.rfind('/') + 1);
}

}  // namespace

TEST_CASE(
    "gmail: every message is downloaded once however many labels, every label indexed, "
    "label directories hard-linked",
    "[integration][gmail]") {
    GmailAccount gmail(sample_account());
    const std::string out = make_temp_dir();
    auto r = run_imapmirror(with({"export", "--out", out, "--json"}, gmail.args()));
    INFO(r.out << r.err << gmail.download_log());
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("\"gmail_single_instance\":true") != std::string::npos);
    // Counted at the server: each X-GM-MSGID's body sent once, label folders never opened.
    auto downloads = gmail.downloads();
    CHECK(downloads.size() == 6);
    for (const auto& [msgid, times] : downloads) {
        INFO(msgid);
        CHECK(times == 1);
    }
    CHECK(gmail.download_log().find("BODY INBOX") == std::string::npos);
    CHECK(gmail.download_log().find("BODY Work") == std::string::npos);
    CHECK(json_number(r.out, "messages") == 6);
    CHECK(indexed_labels(out) == std::vector<std::string>{"1001 Work", "1001 \\Inbox",
                                                          "1001 \\Starred", "1002 Projekte/Ärger",
                                                          "1002 Work", "1004 \\Important",
                                                          "1004 \\Inbox"});
    // Threads follow X-GM-THRID: 1001 and 1002 share one though no header links them.
    CHECK(scalar(out + "/index.sqlite",
                 "SELECT COUNT(DISTINCT thread_id) FROM messages WHERE gm_msgid IN (1001, 1002)") ==
          "1");

    // Each label's directory: a hard link to the one file, not a copy.
    const std::string first = path_of(out, 1001), second = path_of(out, 1002);
    REQUIRE(first.rfind("[Gmail]/All Mail/", 0) == 0);
    for (const char* dir : {"INBOX", "Work", "[Gmail]/Starred"}) {
        INFO(dir);
        CHECK(inode(out + "/" + dir + "/" + file_name(first)) == inode(out + "/" + first));
    }
    CHECK(inode(out + "/Projekte/Ärger/" + file_name(second)) == inode(out + "/" + second));
    CHECK(inode(out + "/[Gmail]/Important/" + file_name(path_of(out, 1004))) ==
          inode(out + "/" + path_of(out, 1004)));
    CHECK_FALSE(fs::exists(out + "/INBOX/" + file_name(second)));
    CHECK(run_imapmirror({"verify", out}).exit_code == 0);
    // Against the server: label folders are covered by All Mail, not "never exported".
    auto verified = run_imapmirror(with({"verify", out, "--server"}, gmail.args()));
    INFO(verified.out << verified.err);
    CHECK(verified.exit_code == 0);
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE(
    "gmail: a label change reaches the index and the label directories on the next run, "
    "with no download",
    "[integration][gmail]") {
    GmailAccount gmail(sample_account());
    const std::string out = make_temp_dir();
    REQUIRE(run_imapmirror(with({"export", "--out", out}, gmail.args())).exit_code == 0);
    const std::string second = file_name(path_of(out, 1002));
    REQUIRE(fs::exists(out + "/Work/" + second));

    gmail.relabel(1, {"\\Inbox", "Projekte/Ärger"});  // Work removed, Inbox added
    auto r = run_imapmirror(with({"export", "--out", out, "--json"}, gmail.args()));
    INFO(r.out << r.err << gmail.download_log());
    REQUIRE(r.exit_code == 0);
    CHECK(json_number(r.out, "messages") == 0);
    CHECK(json_number(r.out, "labels_changed") == 1);
    CHECK(json_number(r.out, "label_links_removed") == 1);
    CHECK(json_number(r.out, "label_links_added") == 1);
    for (const auto& [msgid, times] : gmail.downloads())
        CHECK(times == 1);
    auto labels = indexed_labels(out);
    CHECK(std::count(labels.begin(), labels.end(), "1002 \\Inbox") == 1);
    CHECK(std::count(labels.begin(), labels.end(), "1002 Projekte/Ärger") == 1);
    CHECK(std::count(labels.begin(), labels.end(), "1002 Work") == 0);
    CHECK_FALSE(fs::exists(out + "/Work/" + second));
    CHECK(fs::exists(out + "/Work/" + file_name(path_of(out, 1001))));
    CHECK(inode(out + "/INBOX/" + second) == inode(out + "/" + path_of(out, 1002)));
    // The hidden keyword that moved the MODSEQ is not a flag the archive shows.
    CHECK(scalar(out + "/index.sqlite",
                 "SELECT COUNT(*) FROM messages WHERE flags LIKE '%GmLabels%'") == "0");
    CHECK(run_imapmirror({"verify", out}).exit_code == 0);
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE("gmail: every SQL example of doc/providers.md's Gmail section runs and answers something",
          "[integration][gmail]") {
    GmailAccount gmail(sample_account());
    const std::string out = make_temp_dir();
    REQUIRE(run_imapmirror(with({"export", "--out", out}, gmail.args())).exit_code == 0);
    // Fenced as "sql gmail": the README's examples run against an ordinary archive.
    const std::string page = read_file(source_dir() + "/doc/providers.md");
    std::vector<std::string> statements;
    const std::string fence = "```sql gmail\n";
    for (size_t pos = page.find(fence); pos != std::string::npos; pos = page.find(fence, pos)) {
        pos += fence.size();
        const size_t end = page.find("```", pos);
        const std::string block = page.substr(pos, end - pos);
        for (size_t s = 0, semi; (semi = block.find(";\n", s)) != std::string::npos; s = semi + 2)
            statements.push_back(block.substr(s, semi - s));
        pos = end;
    }
    REQUIRE(statements.size() == 4);
    for (const auto& sql : statements) {
        INFO(sql);
        CHECK_FALSE(query(out + "/index.sqlite", sql).empty());
    }
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE("gmail: a --max-bytes run stops, the next completes, nothing downloaded twice",
          "[integration][gmail]") {
    GmailAccount gmail(sample_account(20'000));
    const std::string out = make_temp_dir();
    auto first = run_imapmirror(
        with({"export", "--out", out, "--json", "--max-bytes", "50K", "-j", "2"}, gmail.args()));
    INFO(first.out << first.err);
    REQUIRE(first.exit_code == 0);
    CHECK(first.out.find("\"budget_reached\":true") != std::string::npos);
    CHECK(json_number(first.out, "bytes") <= 50 * 1024);
    CHECK(json_number(first.out, "messages") < 6);
    auto second = run_imapmirror(with({"export", "--out", out, "--json"}, gmail.args()));
    INFO(second.out << second.err << gmail.download_log());
    REQUIRE(second.exit_code == 0);
    CHECK(json_number(first.out, "messages") + json_number(second.out, "messages") == 6);
    auto downloads = gmail.downloads();
    CHECK(downloads.size() == 6);
    for (const auto& [msgid, times] : downloads) {
        INFO(msgid);
        CHECK(times == 1);
    }
    CHECK(indexed_labels(out).size() == 7);
    CHECK(fs::exists(out + "/Work/" + file_name(path_of(out, 1002))));
    CHECK(run_imapmirror({"verify", out}).exit_code == 0);
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE("gmail: --gmail-labels-as-folders archives every label folder as before",
          "[integration][gmail]") {
    GmailAccount gmail(sample_account());
    const std::string out = make_temp_dir();
    auto r = run_imapmirror(
        with({"export", "--out", out, "--json", "--gmail-labels-as-folders"}, gmail.args()));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("\"gmail_single_instance\":false") != std::string::npos);
    // Downloaded again in each label's folder: Work holds copies of 1001 and 1002.
    const std::string log = gmail.download_log();
    size_t in_work = 0;
    for (size_t p = log.find("BODY Work "); p != std::string::npos;
         p = log.find("BODY Work ", p + 1))
        ++in_work;
    CHECK(in_work == 2);
    CHECK(scalar(out + "/index.sqlite", "SELECT COUNT(*) FROM label_links") == "0");
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE(
    "gmail: a label deleted after a switch from --gmail-labels-as-folders keeps the label "
    "folder's archived messages",
    "[integration][gmail]") {
    GmailAccount gmail(sample_account());
    // Work's UIDs 1 and 2 are All Mail's 1 and 2 (the same messages, as seeded), so a link to
    // All Mail's message has the very name of Work's own archived copy.
    gmail.share_uidvalidity("Work", "[Gmail]/All Mail");
    const ScopedTempDir out;
    auto folders = run_imapmirror(
        with({"export", "--out", out.path, "--gmail-labels-as-folders"}, gmail.args()));
    INFO(folders.out << folders.err);
    REQUIRE(folders.exit_code == 0);
    const auto work_files = query(out.path + "/index.sqlite",
                                  "SELECT m.path FROM messages m JOIN folders f ON f.id = "
                                  "m.folder_id WHERE f.name = 'Work' ORDER BY 1");
    REQUIRE(work_files.size() == 2);
    auto single = run_imapmirror(with({"export", "--out", out.path}, gmail.args()));
    INFO(single.out << single.err);
    REQUIRE(single.exit_code == 0);

    gmail.delete_label("Work");
    auto after = run_imapmirror(with({"export", "--out", out.path, "--json"}, gmail.args()));
    INFO(after.out << after.err);
    REQUIRE(after.exit_code == 0);
    // The messages archived in Work's own folder are the index's: never unlinked by relabelling.
    for (const auto& row : work_files) {
        INFO(row[0]);
        CHECK(fs::is_regular_file(out.path + "/" + row[0]));
    }
    CHECK(scalar(out.path + "/index.sqlite",
                 "SELECT COUNT(*) FROM label_links l JOIN messages m ON m.path = l.path") == "0");
    auto verified = run_imapmirror({"verify", out.path});
    INFO(verified.out << verified.err);
    CHECK(verified.exit_code == 0);
}

TEST_CASE(
    "gmail: killed with SIGKILL at random points of a relabel, one more run leaves the label "
    "directories as the labels say and an archive verify accepts",
    "[integration][gmail][crash]") {
    std::vector<GmailAccount::Message> messages;
    for (uint64_t n = 0; n < 60; ++n)
        messages.push_back({"[Gmail]/All Mail", 3000 + n, 3000 + n, {"Work"}, 100});
    GmailAccount gmail(messages);
    const ScopedTempDir before;
    const std::string archive = before.path + "/archive";
    REQUIRE(run_imapmirror(with({"export", "--out", archive}, gmail.args())).exit_code == 0);
    REQUIRE(scalar(archive + "/index.sqlite", "SELECT COUNT(*) FROM label_links") == "60");

    // Every message moves from Work to Later: 60 links to remove, 60 to make.
    gmail.relabel_all({"Later"});
    const ScopedTempDir timing;
    fs::copy(archive, timing.path + "/archive", fs::copy_options::recursive);
    auto clean = run_imapmirror(with({"export", "--out", timing.path + "/archive"}, gmail.args()));
    INFO(clean.err);
    REQUIRE(clean.exit_code == 0);
    const int run_ms = std::max(50, static_cast<int>(clean.seconds * 1000));

    std::mt19937 rng(20261206);
    int kills = 0;
    // A busy machine makes the timing run a poor guide: an attempt whose kill came after the run
    // ended shortens the next delays, and attempts go on until three kills have landed.
    double scale = 1.0;
    for (int seed = 0; seed < 10 && kills < 3; ++seed) {
        const ScopedTempDir crashed;
        const std::string out = crashed.path + "/archive";
        fs::copy(archive, out, fs::copy_options::recursive);
        // The relabel is the run's last phase: kills land in its second half and later.
        const int delay = static_cast<int>(
            scale * (run_ms / 2 + static_cast<int>(rng() % static_cast<unsigned>(run_ms))));
        INFO("seed " << seed << ", killed after " << delay << " ms of a " << run_ms << " ms run");
        if (run_imapmirror_killed(with({"export", "--out", out}, gmail.args()), delay))
            ++kills;
        else
            scale *= 0.7;
        auto finish = run_imapmirror(with({"export", "--out", out}, gmail.args()));
        INFO(finish.err);
        REQUIRE(finish.exit_code == 0);
        auto verified = run_imapmirror({"verify", out});
        INFO(verified.out << verified.err);
        CHECK(verified.exit_code == 0);
        CHECK(scalar(out + "/index.sqlite",
                     "SELECT COUNT(*) FROM label_links WHERE path LIKE 'Later/%'") == "60");
        size_t in_work = 0, in_later = 0;
        for (const auto& e : fs::directory_iterator(out + "/Work"))
            in_work += e.is_regular_file() ? 1 : 0;
        for (const auto& e : fs::directory_iterator(out + "/Later"))
            in_later += e.is_regular_file() ? 1 : 0;
        CHECK(in_work == 0);
        CHECK(in_later == 60);
    }
    CHECK(kills >= 3);  // the kills must land inside runs, or the test proves little
}

TEST_CASE(
    "max-bytes: a budget smaller than the account stops there, later runs finish it with "
    "nothing fetched twice",
    "[integration]") {
    DovecotServer server;
    constexpr size_t kBody = 40'000;
    for (int n = 1; n <= 8; ++n)
        save(server, n % 2 ? "INBOX" : "Archive/2024", message(n, kBody));

    // The whole account in one run: what the budgeted runs must add up to.
    const std::string full = make_temp_dir();
    auto whole = run_imapmirror(with({"export", "--out", full, "--json"}, server.tls_args()));
    INFO(whole.err);
    REQUIRE(whole.exit_code == 0);
    const uint64_t account_bytes = json_number(whole.out, "bytes");
    const uint64_t messages = json_number(whole.out, "messages");  // the seeded ones, and 8
    REQUIRE(messages > 8);

    // 100K of ~330K: each run stops at the budget; three connections share it.
    const uint64_t budget = 100 * 1024;
    const std::string out = make_temp_dir();
    uint64_t fetched_bytes = 0, fetched_messages = 0, bodies = 0;
    int runs = 0;
    for (bool more = true; more; ++runs) {
        REQUIRE(runs < 10);
        const size_t offset = read_file(server.dir() + "/dovecot.log").size();
        auto r = run_imapmirror(
            with({"export", "--out", out, "--json", "--max-bytes", "100K", "--connections", "3"},
                 server.tls_args()));
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);  // a budget reached is not a failure: cron stays quiet
        const uint64_t bytes = json_number(r.out, "bytes");
        CHECK(bytes <= budget);  // sizes are reserved before the bodies are asked for
        more = r.out.find("\"budget_reached\":true") != std::string::npos;
        if (more) {
            CHECK(bytes + kBody + 200 > budget);  // stopped near it, not early
            CHECK(json_number(r.out, "messages_deferred") > 0);
        }
        fetched_bytes += bytes;
        fetched_messages += json_number(r.out, "messages");
        bodies += bodies_sent(server, offset);
    }
    CHECK(runs >= 3);
    CHECK(fetched_bytes == account_bytes);
    CHECK(fetched_messages == messages);
    CHECK(bodies == messages);  // counted at the server: nothing downloaded twice
    CHECK(fingerprint(out) == fingerprint(full));
    CHECK(run_imapmirror({"verify", out}).exit_code == 0);
    std::system(("rm -rf '" + out + "' '" + full + "'").c_str());
}

TEST_CASE("max-bytes: the text summary says the rest follows on the next run", "[integration]") {
    DovecotServer server;
    const std::string out = make_temp_dir();
    auto r = run_imapmirror(with({"export", "--out", out, "--max-bytes", "1"}, server.tls_args()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Budget of --max-bytes 1 reached: ") != std::string::npos);
    CHECK(r.out.find("messages follow on the next run") != std::string::npos);
    // The first message is taken even when it alone is over the budget: the account moves on.
    CHECK(scalar(out + "/index.sqlite", "SELECT COUNT(*) FROM messages") == "1");
    auto bad =
        run_imapmirror(with({"export", "--out", out, "--max-bytes", "2X"}, server.tls_args()));
    CHECK(bad.exit_code == 2);
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE("gmail: export --dry-run counts each message once, not once per label",
          "[integration][gmail]") {
    GmailAccount gmail(sample_account());
    const std::string out = make_temp_dir() + "/archive";
    auto preview =
        run_imapmirror(with({"export", "--out", out, "--dry-run", "--json"}, gmail.args()));
    INFO(preview.out << preview.err);
    REQUIRE(preview.exit_code == 0);
    CHECK(preview.out.find("\"gmail_single_instance\":true") != std::string::npos);
    CHECK(json_number(preview.out, "messages") == 6);  // All Mail's four, Spam's and Trash's
    CHECK(json_number(preview.out, "label_folders") > 0);
    CHECK(gmail.downloads().empty());
    CHECK_FALSE(fs::exists(out));
}

namespace {

// "folder | Message-ID | flags" of every message an archive holds, sorted; with `under`, only
// the folders below it, named without it.
std::vector<std::string> placed(const std::string& archive, const std::string& under) {
    std::vector<std::string> out;
    for (const auto& r :
         query(archive + "/index.sqlite",
               "SELECT f.name, m.message_id, m.flags FROM messages m JOIN folders f ON f.id = "
               "m.folder_id WHERE f.name LIKE '" +
                   under + "/%'"))
        out.push_back(r[0].substr(under.size() + 1) + " | " + r[1] + " | " + r[2]);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

// The sample account exported into TMP/archive (returned), as the restore tests start; its
// relay is stopped once exported.
std::string exported_sample(const ScopedTempDir& tmp) {
    GmailAccount source(sample_account());
    const std::string archive = tmp.path + "/archive";
    REQUIRE(run_imapmirror(with({"export", "--out", archive}, source.args())).exit_code == 0);
    return archive;
}

// A Gmail target that already has mail of its own in All Mail, Spam and Trash.
std::vector<GmailAccount::Message> restore_target() {
    return {{"[Gmail]/All Mail", 2001, 2001, {"\\Inbox"}},
            {"[Gmail]/Spam", 2002, 2002, {}},
            {"[Gmail]/Trash", 2003, 2003, {}}};
}

// The labels read back from restore_target() after the sample account was restored into it,
// "<message-id> label" per row: every label where the archive had it.
const std::vector<std::string> kRestoredLabels = {
    "<gm-1001@example.org> Work",      "<gm-1001@example.org> \\Inbox",
    "<gm-1001@example.org> \\Starred", "<gm-1002@example.org> Projekte/Ärger",
    "<gm-1002@example.org> Work",      "<gm-1004@example.org> \\Important",
    "<gm-1004@example.org> \\Inbox",   "<gm-2001@example.org> \\Inbox"};

// What `target` (made by restore_target()) holds once the sample account is restored into it:
// each message once (All Mail 1 + 4, Spam and Trash 1 + 1), with its labels.
void check_restored_gmail(const GmailAccount& target, const std::string& back) {
    CHECK(target.count("[Gmail]/All Mail") == 5);
    CHECK(target.count("[Gmail]/Spam") == 2);
    CHECK(target.count("[Gmail]/Trash") == 2);
    auto exported = run_imapmirror(with({"export", "--out", back}, target.args()));
    INFO(exported.err);
    REQUIRE(exported.exit_code == 0);
    CHECK(indexed_labels(back, "message_id") == kRestoredLabels);
}

TEST_CASE(
    "gmail restore: a Gmail archive restored into Gmail appends each message once into All Mail "
    "and stores its labels, and a second run appends and stores nothing",
    "[integration][gmail][restore]") {
    const ScopedTempDir tmp;
    const std::string archive = exported_sample(tmp);

    GmailAccount target(restore_target());
    const int inbox = target.count("INBOX");
    auto first = run_imapmirror(with({"restore", archive, "--json"}, target.args()));
    INFO(first.out << first.err << target.store_log());
    REQUIRE(first.exit_code == 0);
    CHECK(json_number(first.out, "appended") == 6);
    CHECK(json_number(first.out, "labelled") == 3);
    CHECK(json_number(first.out, "folders_created") == 0);
    // No label folder got a copy; the labels were STOREd, modified UTF-7 on the wire.
    CHECK(target.count("INBOX") == inbox);
    CHECK(target.store_log().find("\"Projekte/&AMQ-rger\"") != std::string::npos);
    check_restored_gmail(target, tmp.path + "/back");

    const std::string stores = target.store_log();
    auto second = run_imapmirror(with({"restore", archive, "--json"}, target.args()));
    INFO(second.out << second.err);
    REQUIRE(second.exit_code == 0);
    CHECK(json_number(second.out, "appended") == 0);
    CHECK(json_number(second.out, "labelled") == 0);
    CHECK(json_number(second.out, "already_restored") == 6);
    CHECK(target.store_log() == stores);
    CHECK(target.count("[Gmail]/All Mail") == 5);
}

TEST_CASE(
    "gmail restore: killed with SIGKILL after its APPENDs, and after a label STORE the server "
    "applied but had not answered, one more run leaves each message once with every label",
    "[integration][gmail][restore][crash]") {
    const ScopedTempDir tmp;
    const std::string archive = exported_sample(tmp);

    // 0: killed once All Mail has grown (appended, no label stored yet); 1 and 2: once that
    // many STOREs were applied, while the relay holds back the answer to the last one.
    for (const size_t stores_applied : {0, 1, 2}) {
        INFO("killed after " << stores_applied << " label STOREs");
        GmailAccount target(restore_target(), /*store_pause=*/1.0);
        const int all_mail = target.count("[Gmail]/All Mail");
        auto stores = [&] {
            const std::string log = target.store_log();
            return static_cast<size_t>(std::count(log.begin(), log.end(), '\n'));
        };
        auto killed = run_imapmirror_signalled_when(
            with({"restore", archive}, target.args()),
            [&] {
                return stores_applied == 0 ? target.count("[Gmail]/All Mail") > all_mail
                                           : stores() >= stores_applied;
            },
            60000, SIGKILL);
        INFO(killed.out << killed.err);
        // Killed, not finished: every kill point lies before the last STORE's answer.
        REQUIRE(killed.exit_code != 0);
        if (stores_applied > 0)
            CHECK(stores() == stores_applied);

        auto finish = run_imapmirror(with({"restore", archive, "--json"}, target.args()));
        INFO(finish.out << finish.err << target.store_log());
        REQUIRE(finish.exit_code == 0);
        check_restored_gmail(target, tmp.path + "/back" + std::to_string(stores_applied));
    }
}

TEST_CASE(
    "gmail restore: a Gmail archive restored into Dovecot puts a copy in each label's folder "
    "and unlabelled mail into Archive, or with --labels-as keywords one copy with keywords",
    "[integration][gmail][restore]") {
    const ScopedTempDir tmp;
    const std::string archive = exported_sample(tmp);

    DovecotServer target;
    auto folders =
        run_imapmirror(with({"restore", archive, "--into", "G", "--json"}, target.tls_args()));
    INFO(folders.out << folders.err);
    REQUIRE(folders.exit_code == 0);
    CHECK(json_number(folders.out, "appended") == 10);
    auto kw = run_imapmirror(
        with({"restore", archive, "--into", "K", "--labels-as", "keywords"}, target.tls_args()));
    INFO(kw.out << kw.err);
    REQUIRE(kw.exit_code == 0);

    const std::string back = tmp.path + "/back";
    auto exported = run_imapmirror(
        with({"export", "--out", back, "--include", "G/*", "--include", "K/*"}, target.tls_args()));
    INFO(exported.err);
    REQUIRE(exported.exit_code == 0);
    CHECK(placed(back, "G") == std::vector<std::string>{
                                   "Archive | <gm-1003@example.org> | ",
                                   "INBOX | <gm-1001@example.org> | ",
                                   "INBOX | <gm-1004@example.org> | ",
                                   "Important | <gm-1004@example.org> | ",
                                   "Projekte/Ärger | <gm-1002@example.org> | ",
                                   "Starred | <gm-1001@example.org> | ",
                                   "Work | <gm-1001@example.org> | ",
                                   "Work | <gm-1002@example.org> | ",
                                   "[Gmail]/Spam | <gm-1005@example.org> | ",
                                   "[Gmail]/Trash | <gm-1006@example.org> | ",
                               });
    // Dovecot lists a message's keywords in the order the folder first saw them.
    CHECK(placed(back, "K") ==
          std::vector<std::string>{
              "[Gmail]/All Mail | <gm-1001@example.org> | Work $Inbox $Starred",
              "[Gmail]/All Mail | <gm-1002@example.org> | Work Projekte/&AMQ-rger",
              "[Gmail]/All Mail | <gm-1003@example.org> | ",
              "[Gmail]/All Mail | <gm-1004@example.org> | $Inbox $Important",
              "[Gmail]/Spam | <gm-1005@example.org> | ",
              "[Gmail]/Trash | <gm-1006@example.org> | ",
          });
}
