#include "imap/command.hpp"

#include <algorithm>

#include "core/utf8.hpp"
#include "imap/mutf7.hpp"
#include "imap/value.hpp"

namespace imapmirror::imap {

core::Result<std::string> quote_astring(std::string_view s, LiteralForm form, QuotedText text) {
    bool atom = !s.empty();
    bool quotable = true;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        auto u = static_cast<unsigned char>(c);
        if (u == 0)
            return core::make_error(core::ErrorKind::Usage,
                                    "the name contains a NUL byte, which IMAP cannot send");
        if (u >= 0x80) {
            atom = false;
            const size_t n = text == QuotedText::Utf8 ? core::utf8_sequence_length(s, i) : 0;
            if (n == 0)
                quotable = false;
            else
                i += n - 1;
            continue;
        }
        if (c == '\r' || c == '\n')
            quotable = false;
        // ATOM-CHAR plus ']' (ASTRING-CHAR), minus list wildcards to stay unambiguous.
        if (u <= 0x20 || u == 0x7F || c == '(' || c == ')' || c == '{' || c == '"' || c == '\\' ||
            c == '%' || c == '*')
            atom = false;
    }
    if (!quotable) {
        // RFC 3501 §4.3 / RFC 7888: the bytes follow the CRLF after the announcement.
        std::string out = "{" + std::to_string(s.size()) +
                          (form == LiteralForm::NonSynchronizing ? "+" : "") + "}\r\n";
        out.append(s);
        return out;
    }
    if (atom && !iequals(s, "NIL"))
        return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

core::Result<std::string> mailbox_argument(std::string_view utf8_name, LiteralForm form,
                                           QuotedText text) {
    if (iequals(utf8_name, "INBOX"))
        return std::string("INBOX");
    if (text == QuotedText::Utf8)
        return quote_astring(utf8_name, form, text);
    IMM_ASSIGN(std::string encoded, mutf7_encode(utf8_name));
    return quote_astring(encoded, form);
}

namespace {
void append_range(std::string& out, uint32_t a, uint32_t b) {
    if (!out.empty())
        out += ',';
    out += std::to_string(a);
    if (b != a)
        out += ':' + std::to_string(b);
}
}  // namespace

std::string uid_set(std::vector<uint32_t> uids) {
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    std::string out;
    for (size_t i = 0; i < uids.size();) {
        size_t j = i;
        while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1)
            ++j;
        append_range(out, uids[i], uids[j]);
        i = j + 1;
    }
    return out;
}

std::vector<std::string> uid_set_chunks(std::vector<uint32_t> uids, size_t max_uids,
                                        size_t max_chars) {
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    std::vector<std::string> chunks;
    std::string cur;
    size_t count = 0;
    for (size_t i = 0; i < uids.size();) {
        size_t j = i;
        while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1 && count + (j + 1 - i) < max_uids)
            ++j;
        std::string range = std::to_string(uids[i]);
        if (j != i)
            range += ':' + std::to_string(uids[j]);
        if (!cur.empty() && (cur.size() + 1 + range.size() > max_chars || count >= max_uids)) {
            chunks.push_back(std::move(cur));
            cur.clear();
            count = 0;
            continue;  // re-plan this range against the fresh chunk's budget
        }
        if (!cur.empty())
            cur += ',';
        cur += range;
        count += j - i + 1;
        i = j + 1;
    }
    if (!cur.empty())
        chunks.push_back(std::move(cur));
    return chunks;
}

}  // namespace imapmirror::imap
