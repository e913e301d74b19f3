#include <catch2/catch.hpp>

#include "core/utf8.hpp"
#include "store/mirror_layout.hpp"
#include "store/name_sanitizer.hpp"

using namespace imapmirror::store;

namespace {
bool valid_utf8(const std::string& s) {
    for (size_t i = 0; i < s.size();) {
        size_t n = imapmirror::core::utf8_sequence_length(s, i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}
}  // namespace

TEST_CASE("sanitizer: path traversal and separators can never leave the directory", "[store]") {
    CHECK(sanitize_component("../../x") == "___.._x");
    CHECK(sanitize_component("/etc/passwd") == "_etc_passwd");
    CHECK(sanitize_component("..\\..\\windows\\system32") == "___.._windows_system32");
    CHECK(sanitize_component("C:\\evil") == "C__evil");
    CHECK(sanitize_component("..") == "_");
    CHECK(sanitize_component(".") == "_");
    CHECK(sanitize_component("") == "_");
    CHECK(sanitize_component("", "part-2.bin") == "part-2.bin");
    CHECK(sanitize_component(".hidden") == "_hidden");
    for (const char* hostile : {"../../x", "/", "a/../../b", "....//....//"}) {
        auto s = sanitize_component(hostile);
        CHECK(s.find('/') == std::string::npos);
        CHECK(s != "..");
        CHECK(s != ".");
    }
}

TEST_CASE("sanitizer: Windows device names, reserved characters and trailing dots", "[store]") {
    CHECK(sanitize_component("CON") == "_CON");
    CHECK(sanitize_component("con.txt") == "_con.txt");
    CHECK(sanitize_component("LPT1") == "_LPT1");
    CHECK(sanitize_component("COM9.log") == "_COM9.log");
    CHECK(sanitize_component("COM10") == "COM10");
    CHECK(sanitize_component("CONSOLE") == "CONSOLE");
    CHECK(sanitize_component("a:b*c?d\"e<f>g|h") == "a_b_c_d_e_f_g_h");
    CHECK(sanitize_component("report. . ") == "report");
    CHECK(sanitize_component("  leading") == "leading");
}

TEST_CASE("sanitizer: control characters, C1 and invalid UTF-8 are replaced and valid UTF-8 kept",
          "[store]") {
    CHECK(sanitize_component("a\x01"
                             "b\x1b[31m.txt") == "a_b_[31m.txt");
    CHECK(sanitize_component("tab\there\nnl") == "tab_here_nl");
    CHECK(sanitize_component("csi\xC2\x9Bx") == "csi_x");
    CHECK(sanitize_component("bad\xFF\xFEname.txt") == "bad__name.txt");
    // The index text of such a name (core::to_valid_utf8) holds U+FFFD: the same '_' again.
    CHECK(sanitize_component("a\xEF\xBF\xBD"
                             "b.txt") == "a_b.txt");
    CHECK(sanitize_component("Résumé 日本語 😀.pdf") == "Résumé 日本語 😀.pdf");
}

TEST_CASE("sanitizer: long names are cut on a character boundary and keep their extension",
          "[store][limits]") {
    std::string ascii(300, 'a');
    auto cut = sanitize_component(ascii + ".pdf");
    CHECK(cut.size() <= kMaxComponentBytes);
    CHECK(cut.substr(cut.size() - 4) == ".pdf");
    std::string wide;
    for (int i = 0; i < 120; ++i)
        wide += "日";  // 3 bytes each
    auto cut2 = sanitize_component(wide + ".txt");
    CHECK(cut2.size() <= kMaxComponentBytes);
    CHECK(valid_utf8(cut2));
    CHECK(cut2.substr(cut2.size() - 4) == ".txt");
    CHECK(sanitize_component(ascii) == sanitize_component(ascii));  // deterministic
}

TEST_CASE("sanitizer: numbered variants keep the extension", "[store]") {
    CHECK(numbered_variant("same.txt", 2) == "same (2).txt");
    CHECK(numbered_variant("noext", 3) == "noext (3)");
    CHECK(numbered_variant(".bashrc", 2) == ".bashrc (2)");
}

TEST_CASE("layout: folder paths follow the hierarchy, avoid case collisions and our own names",
          "[store]") {
    FolderPaths paths;
    CHECK(paths.assign("INBOX", '/') == "INBOX");
    CHECK(paths.assign("Archive", '/') == "Archive");
    CHECK(paths.assign("Archive/2024/Q1", '/') == "Archive/2024/Q1");
    CHECK(paths.assign("Foo", '/') == "Foo");
    CHECK(paths.assign("foo", '/') == "foo (2)");
    CHECK(paths.assign("foo/bar", '/') == "foo (2)/bar");  // inside its own parent's directory
    CHECK(paths.assign("a:b.c", '.') == "a_b/c");          // "." as delimiter: two levels
    CHECK(paths.assign("index.sqlite", '/') == "index.sqlite_");
    CHECK(paths.assign("INBOX/123-45.eml", '/') == "INBOX/_123-45.eml");
    CHECK(paths.assign("INBOX/123-45.attachments", '/') == "INBOX/_123-45.attachments");
    CHECK(paths.assign("INBOX/7-8.EML", '/') == "INBOX/_7-8.EML");    // any case
    CHECK(paths.assign("INBOX/7-8.emlx", '/') == "INBOX/_7-8.emlx");  // any kind after the dot
    CHECK(paths.assign("INBOX/-8.eml", '/') == "INBOX/-8.eml");
    CHECK(paths.assign("INBOX/7-.eml", '/') == "INBOX/7-.eml");
    CHECK(paths.assign("CON", std::nullopt) == "_CON");
    CHECK(paths.assign("Foo", '/') == "Foo");  // the same folder again: the same path
}

TEST_CASE(
    "layout: no folder directory gets a name the archive writes beside a message (.msg, "
    "conflict copies, temporaries, later kinds)",
    "[store]") {
    FolderPaths paths;
    for (const char* name :
         {"1-2.msg", "1-2.conflict-0123456789ab.eml", "1-2.kept-2024.eml", "1-2.dump", "3-4.MSG"}) {
        INFO(name);
        const std::string path = paths.assign(std::string("INBOX/") + name, '/');
        CHECK(path == std::string("INBOX/_") + name);
        CHECK_FALSE(is_archive_file_name(path.substr(path.rfind('/') + 1)));
    }
    CHECK(paths.assign("INBOX/.imapmirror-tmp-abc", '/') == "INBOX/_imapmirror-tmp-abc");
    CHECK(paths.assign("1-2.msg", '/') == "_1-2.msg");  // at the top too
    // The names the archive writes are all covered by the rule.
    for (const char* name :
         {"1-2.eml", "1-2.attachments", "1-2.msg", "1-2.conflict-ab.eml", ".imapmirror-tmp-XyZ123"})
        CHECK(is_archive_file_name(name));
    for (const char* name : {"1-2", "-2.msg", "1-.msg", "a1-2.msg", "_1-2.msg", "1_2.msg"})
        CHECK_FALSE(is_archive_file_name(name));
    // An archive whose index already holds such a path keeps it.
    FolderPaths existing;
    existing.reserve("INBOX/1-2.msg", "INBOX/1-2.msg");
    CHECK(existing.assign("INBOX/1-2.msg", '/') == "INBOX/1-2.msg");
}

TEST_CASE("layout: paths already in the archive are kept and block new collisions", "[store]") {
    FolderPaths paths;
    paths.reserve("Sent Items", "Sent Items");
    CHECK(paths.assign("Sent Items", '/') == "Sent Items");
    CHECK(paths.assign("sent items", '/') == "sent items (2)");
    CHECK(message_base_name(1732240000, 42) == "1732240000-42");
}

TEST_CASE("sanitizer: bidi overrides, isolates and zero-width characters are replaced", "[store]") {
    // U+202E RIGHT-TO-LEFT OVERRIDE: would show as "invoiceexe.pdf".
    CHECK(sanitize_component("invoice\u202Efdp.exe") == "invoice_fdp.exe");
    CHECK(sanitize_component("a\u202Ab\u202Bc\u202Cd\u202De") == "a_b_c_d_e");
    CHECK(sanitize_component("x\u2066y\u2067z\u2068w\u2069") == "x_y_z_w_");
    CHECK(sanitize_component("zero\u200Bwidth\u200C\u200D\u200E\u200Fend") == "zero_width____end");
    CHECK(sanitize_component("\uFEFFbom.txt") == "_bom.txt");
    // Visible letters of every script stay.
    CHECK(sanitize_component("שלום مرحبا.txt") == "שלום مرحبا.txt");
}

TEST_CASE("collision key: names equal after NFC and case folding share one key", "[store]") {
    const std::string nfc = "Caf\xC3\xA9";   // é as one code point
    const std::string nfd = "Cafe\xCC\x81";  // e + combining acute
    CHECK(nfc != nfd);
    CHECK(collision_key(nfc) == collision_key(nfd));
    CHECK(collision_key("CAF\xC3\x89") == collision_key(nfd));  // É
    CHECK(collision_key("Stra\xC3\x9F"
                        "e") == collision_key("STRASSE"));  // ß folds to ss
    CHECK(collision_key("Foo") == collision_key("foo"));
    CHECK(collision_key("a") != collision_key("b"));
}

TEST_CASE("layout: NFC and NFD spellings of one folder name get two directories", "[store]") {
    const std::string nfc = "Caf\xC3\xA9";
    const std::string nfd = "Cafe\xCC\x81";
    FolderPaths paths;
    const std::string first = paths.assign(nfc, '/');
    const std::string second = paths.assign(nfd, '/');
    CHECK(first == nfc);
    CHECK(second == nfd + " (2)");
    CHECK(collision_key(first) != collision_key(second));
    // Deterministic, and an existing archive keeps its paths.
    FolderPaths again;
    again.reserve(nfc, first);
    again.reserve(nfd, second);
    CHECK(again.assign(nfd, '/') == second);
    CHECK(again.assign("CAF\xC3\x89", '/') == "CAF\xC3\x89 (3)");
}
