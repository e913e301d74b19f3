// imapmirror's reading of headers and bodies against an oracle nobody here wrote: Python's
// `email` package (policy.default), run over the real-world corpora by
// tests/tools/email_oracle.py.

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/json_reader.hpp"
#include "core/utf8.hpp"
#include "corpora.hpp"
#include "mime/message_parser.hpp"
#include "unit/temp_dir.hpp"

using namespace imapmirror;

namespace {

struct Discard : mime::AttachmentOutput {
    core::Result<void> begin(const mime::AttachmentMeta&) override { return {}; }
    core::Result<void> write(std::string_view) override { return {}; }
    core::Result<void> end() override { return {}; }
};

struct Oracle {
    std::string subject, from, date, body, error;
};

// The corpus messages the other corpus tests read (tests/unit/mime/body_text_test.cpp).
std::vector<std::string> corpus_files(const std::string& corpora) {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(corpora)) {
        if (!e.is_regular_file() || e.file_size() > (4 << 20))
            continue;
        const auto ext = e.path().extension();
        if (ext != ".eml" && ext != ".msg" &&
            e.path().string().find("spamassassin/t/data/") == std::string::npos)
            continue;
        files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

// Runs the oracle over `files`; empty when python3 cannot run it (the caller skips).
std::map<std::string, Oracle> run_python(const std::vector<std::string>& files) {
    test::TempDir dir;
    {
        std::ofstream list(dir.path + "/list");
        for (const auto& f : files)
            list << f << '\n';
    }
    const std::string cmd = "python3 '" + std::string(IMM_SOURCE_DIR) +
                            "/tests/tools/email_oracle.py' < '" + dir.path + "/list' > '" +
                            dir.path + "/out' 2> '" + dir.path + "/err'";
    std::map<std::string, Oracle> out;
    if (std::system(cmd.c_str()) != 0)
        return out;
    std::ifstream in(dir.path + "/out");
    for (std::string line; std::getline(in, line);) {
        auto v = core::parse_json(line);
        REQUIRE(v);
        auto text = [&](const char* key) {
            const auto* s = v->find(key) ? v->find(key)->as_string() : nullptr;
            return s ? *s : std::string();
        };
        out[text("path")] =
            Oracle{text("subject"), text("from"), text("date"), text("body"), text("error")};
    }
    return out;
}

// The oracle's reading of the corpus, once per test run (both test cases use it).
const std::map<std::string, Oracle>& python_reads(const std::vector<std::string>& files) {
    static const std::map<std::string, Oracle> reads = run_python(files);
    return reads;
}

// What both sides agree a header reads as: valid UTF-8 without control characters, white
// space runs as one space, none at either end.
std::string normal(const std::string& s) {
    std::string out;
    for (char c : core::to_valid_utf8(s)) {
        if (c == ' ' && (out.empty() || out.back() == ' '))
            continue;
        out += c;
    }
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

// The words of a text, lower-cased (ASCII letters and digits; other bytes kept as they are).
std::vector<std::string> words(const std::string& s) {
    std::vector<std::string> out;
    std::string w;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || u >= 0x80) {
            w += static_cast<char>(std::tolower(u));
        } else if (!w.empty()) {
            out.push_back(std::move(w));
            w.clear();
        }
    }
    if (!w.empty())
        out.push_back(std::move(w));
    return out;
}

// Subject and From values where imapmirror and Python's email read a corpus message
// differently on purpose, each with the reason. Keyed by the path below the corpora and field.
const std::map<std::pair<std::string, std::string>, std::string> kKnownHeaderDifferences = {
    {{"mime4j/core/src/test/resources/mimetools-testmsgs/german.msg", "from"},
     "a@b (Name): the comment is shown as the name, as GMime and mail clients do; Python drops "
     "comments"},
    {{"mime4j/core/src/test/resources/mimetools-testmsgs/not-mime.msg", "from"},
     "a@b (Name): the comment is shown as the name, as GMime and mail clients do; Python drops "
     "comments"},
    {{"ruby-mail/spec/fixtures/emails/multipart_report_emails/multi_address_bounce1.eml", "from"},
     "a@b (Name): the comment is shown as the name, as GMime and mail clients do; Python drops "
     "comments"},
    {{"ruby-mail/spec/fixtures/emails/multipart_report_emails/multi_address_bounce2.eml", "from"},
     "a@b (Name): the comment is shown as the name, as GMime and mail clients do; Python drops "
     "comments"},
    {{"spamassassin/t/data/nice/mime2", "from"},
     "a@b (Name): the comment is shown as the name, as GMime and mail clients do; Python drops "
     "comments"},
    {{"spamassassin/t/data/nice/mime3", "from"},
     "a@b (Name): the comment is shown as the name, as GMime and mail clients do; Python drops "
     "comments"},
    {{"spamassassin/t/data/nice/mime4", "from"},
     "a@b (Name): the comment is shown as the name, as GMime and mail clients do; Python drops "
     "comments"},
    {{"spamassassin/t/data/nice/mime5", "from"},
     "a@b (Name): the comment is shown as the name, as GMime and mail clients do; Python drops "
     "comments"},
    {{"spamassassin/t/data/nice/mime6", "from"},
     "a@b (Name): the comment is shown as the name, as GMime and mail clients do; Python drops "
     "comments"},
    {{"spamassassin/t/data/nice/mime7", "from"},
     "a@b (Name): the comment is shown as the name, as GMime and mail clients do; Python drops "
     "comments"},
    {{"mime4j/core/src/test/resources/testmsgs/obsolete.msg", "subject"},
     "obsolete header syntax (a space before the colon, an empty folded line, no blank line after "
     "the headers): Python ends the headers there and reads the rest as body, GMime reads on"},
    {{"ruby-mail/spec/fixtures/emails/plain_emails/raw_email_incorrect_header.eml", "subject"},
     "obsolete header syntax (a space before the colon, an empty folded line, no blank line after "
     "the headers): Python ends the headers there and reads the rest as body, GMime reads on"},
    {{"ruby-mail/spec/fixtures/emails/plain_emails/raw_email_incorrect_header.eml", "from"},
     "obsolete header syntax (a space before the colon, an empty folded line, no blank line after "
     "the headers): Python ends the headers there and reads the rest as body, GMime reads on"},
    {{"ruby-mail/spec/fixtures/emails/rfc2822/example13.eml", "subject"},
     "obsolete header syntax (a space before the colon, an empty folded line, no blank line after "
     "the headers): Python ends the headers there and reads the rest as body, GMime reads on"},
    {{"ruby-mail/spec/fixtures/emails/rfc2822/example13.eml", "from"},
     "obsolete header syntax (a space before the colon, an empty folded line, no blank line after "
     "the headers): Python ends the headers there and reads the rest as body, GMime reads on"},
    {{"spamassassin/t/data/spam/bsmtp", "subject"},
     "an SMTP transcript, not a message: Python finds no header at all"},
    {{"spamassassin/t/data/spam/bsmtp", "from"},
     "an SMTP transcript, not a message: Python finds no header at all"},
    {{"ruby-mail/spec/fixtures/emails/error_emails/bad_subject.eml", "from"},
     "an unquoted display name with & and dots: GMime keeps its last word, Python all of it"},
    {{"ruby-mail/spec/fixtures/emails/error_emails/invalid_subject_characters.eml", "subject"},
     "raw 8-bit header bytes with no charset: we read UTF-8, else windows-1252; Python shows "
     "U+FFFD"},
    {{"spamassassin/t/data/nice/cjk/big5-base64.1", "subject"},
     "raw 8-bit header bytes with no charset: we read UTF-8, else windows-1252; Python shows "
     "U+FFFD"},
    {{"spamassassin/t/data/nice/cjk/gb2312.1", "subject"},
     "raw 8-bit header bytes with no charset: we read UTF-8, else windows-1252; Python shows "
     "U+FFFD"},
    {{"spamassassin/t/data/nice/cjk/gb2312.1", "from"},
     "raw 8-bit header bytes with no charset: we read UTF-8, else windows-1252; Python shows "
     "U+FFFD"},
    {{"ruby-mail/spec/fixtures/emails/plain_emails/mix_caps_content_type.eml", "from"},
     "Big Bug bb@bug.com without angle brackets: we keep the text as written, Python reads an "
     "obsolete local part"},
    {{"ruby-mail/spec/fixtures/emails/plain_emails/raw_email_multiple_from.eml", "from"},
     "several From headers: we keep every address (GMime rule), Python one header"},
    {{"spamassassin/t/data/spam/008", "from"},
     "several From headers: we keep every address (GMime rule), Python one header"},
    {{"spamassassin/t/data/nice/unicode2", "from"},
     "a display name alone: Python quotes it, we show it as written"},
    {{"spamassassin/t/data/spam/badmime2.txt", "from"},
     "<a@b> alone: we show the bare address, Python keeps the angle brackets"},
};

// Messages whose body text differs from what Python's get_body gives, each with the reason.
const std::map<std::string, std::string> kKnownBodyDifferences = {
    {"mime4j/core/src/test/resources/testmsgs/multipartemptypart.msg",
     "its one part is empty and the text after the closing delimiter is the epilogue (RFC 2046 "
     "5.1.1: to be ignored); Python's get_body gives the epilogue as the body"},
    {"spamassassin/t/data/spam/008",
     "Shift_JIS bytes in a part declared us-ascii: Python shows U+FFFD, we read windows-1252; "
     "neither gives the Japanese words"},
    {"spamassassin/t/data/spam/011",
     "HTML with made-up tags and <? ?> inside words: the two HTML readers split the text "
     "differently"},
    {"spamassassin/t/data/spam/bsmtp", "an SMTP transcript, not a message"},
};

}  // namespace

TEST_CASE(
    "python oracle: every corpus message's Subject and From read as Python's email reads "
    "them",
    "[mime][corpus][oracle]") {
    IMM_SKIP_WITHOUT_CORPORA(corpora);
    const auto files = corpus_files(corpora);
    const auto python = python_reads(files);
    if (python.empty()) {
        WARN("SKIPPED: python3 could not run tests/tools/email_oracle.py");
        return;
    }
    size_t compared = 0;
    std::vector<std::string> unexplained;
    for (const auto& path : files) {
        const auto it = python.find(path);
        REQUIRE(it != python.end());
        Discard discard;
        auto ours = mime::parse_message_file(path, discard);
        REQUIRE(ours);
        const std::string rel = path.substr(corpora.size() + 1);
        for (const auto& [field, mine, theirs] :
             {std::tuple{"subject", ours->info.subject, it->second.subject},
              std::tuple{"from", ours->info.from, it->second.from}}) {
            ++compared;
            if (normal(mine) == normal(theirs))
                continue;
            if (kKnownHeaderDifferences.count({rel, field}))
                continue;
            unexplained.push_back(rel + " " + field + ": ours '" + normal(mine) + "', Python '" +
                                  normal(theirs) + "'");
        }
    }
    std::string report;
    for (const auto& u : unexplained)
        report += u + "\n";
    INFO(report);
    CHECK(compared > 500);
    CHECK(unexplained.empty());
}

// A message's body agrees when at least 90% of the words Python's get_body gives are in ours
// (ours may hold more: every inline text part, attached messages; HTML is reduced to text
// differently on the two sides). Every message that disagrees, or has no text where Python
// finds some, must be one of kKnownBodyDifferences (named with the reason).
TEST_CASE(
    "python oracle: body text agrees with Python's email on the corpus but for named "
    "differences",
    "[mime][corpus][oracle]") {
    IMM_SKIP_WITHOUT_CORPORA(corpora);
    const auto files = corpus_files(corpora);
    const auto& python = python_reads(files);
    if (python.empty()) {
        WARN("SKIPPED: python3 could not run tests/tools/email_oracle.py");
        return;
    }
    size_t with_body = 0, agree = 0;
    std::string unexplained;
    std::set<std::string> disagreeing;
    for (const auto& path : files) {
        const auto it = python.find(path);
        REQUIRE(it != python.end());
        const auto theirs = words(it->second.body);
        if (theirs.empty())
            continue;
        ++with_body;
        Discard discard;
        mime::ParseLimits limits;
        limits.body_text = true;
        auto ours = mime::parse_message_file(path, discard, limits);
        REQUIRE(ours);
        const auto mine = words(ours->body.text);
        const std::set<std::string> have(mine.begin(), mine.end());
        size_t found = 0;
        for (const auto& w : theirs)
            found += have.count(w);
        if (found * 10 >= theirs.size() * 9) {
            ++agree;
            continue;
        }
        const std::string rel = path.substr(corpora.size() + 1);
        disagreeing.insert(rel);
        if (!kKnownBodyDifferences.count(rel))
            unexplained += rel + ": " + std::to_string(found) + " of " +
                           std::to_string(theirs.size()) + " words" +
                           (mine.empty() ? ", no text" : "") + "\n";
    }
    WARN("body text agrees with Python's email on " << agree << " of " << with_body
                                                    << " corpus messages with a body");
    INFO(unexplained);
    CHECK(with_body > 200);
    CHECK(unexplained.empty());
    // A named difference that no longer differs is named no more.
    for (const auto& [rel, reason] : kKnownBodyDifferences) {
        INFO(rel << " agrees now: remove it from kKnownBodyDifferences");
        CHECK(disagreeing.count(rel) == 1);
    }
}
