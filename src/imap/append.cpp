#include "imap/append.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "imap/command.hpp"
#include "imap/mutf7.hpp"
#include "imap/value.hpp"

namespace imapmirror::imap {

namespace {

bool flag_char(char c) {
    // atom-char (RFC 3501 9) less the list and quoting specials, plus '\' for system flags.
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && c != '(' && c != ')' && c != '{' && c != '"' && c != '%' &&
           c != '*' && c != ']';
}

std::optional<uint32_t> number(std::string_view s) {
    uint32_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty())
        return std::nullopt;
    return v;
}

}  // namespace

std::optional<AppendUid> parse_append_uid(const Completion& ok) {
    if (!ok.ok() || !ok.code || ok.code->name != "APPENDUID")
        return std::nullopt;
    std::string_view args = ok.code->args;
    const size_t sp = args.find(' ');
    if (sp == std::string_view::npos)
        return std::nullopt;
    auto validity = number(args.substr(0, sp));
    auto uid = number(args.substr(sp + 1));  // a set ("4:6") is MULTIAPPEND's: not ours
    if (!validity || !uid || *validity == 0 || *uid == 0)
        return std::nullopt;
    return AppendUid{*validity, *uid};
}

std::vector<AppendUid> parse_append_uids(const Completion& ok, size_t messages) {
    if (!ok.ok() || !ok.code || ok.code->name != "APPENDUID")
        return {};
    std::string_view args = ok.code->args;
    const size_t sp = args.find(' ');
    if (sp == std::string_view::npos)
        return {};
    auto validity = number(args.substr(0, sp));
    if (!validity || *validity == 0)
        return {};
    std::vector<AppendUid> out;
    std::string_view set = args.substr(sp + 1);
    while (!set.empty()) {
        const size_t comma = std::min(set.find(','), set.size());
        std::string_view range = set.substr(0, comma);
        set = comma < set.size() ? set.substr(comma + 1) : std::string_view();
        const size_t colon = range.find(':');
        auto first = number(range.substr(0, colon));
        auto last = colon == std::string_view::npos ? first : number(range.substr(colon + 1));
        // Ascending ranges only: a server lists the UIDs it gave in the order appended.
        if (!first || !last || *first == 0 || *last < *first ||
            *last - *first >= messages - std::min(messages, out.size()))
            return {};
        for (uint32_t u = *first;; ++u) {
            out.push_back({*validity, u});
            if (u == *last)
                break;
        }
    }
    if (out.size() != messages)
        return {};
    return out;
}

std::string append_flag_list(std::string_view flags) {
    std::string out = "(";
    size_t pos = 0;
    while (pos < flags.size()) {
        const size_t end = std::min(flags.find(' ', pos), flags.size());
        std::string_view flag = flags.substr(pos, end - pos);
        pos = end + 1;
        if (flag.empty() || iequals(flag, "\\Recent"))
            continue;
        bool ok = true;
        for (size_t i = 0; i < flag.size(); ++i)
            ok = ok && flag_char(flag[i]) && (flag[i] != '\\' || i == 0);
        if (!ok || flag == "\\")
            continue;
        if (out.size() > 1)
            out += ' ';
        out += flag;
    }
    return out + ")";
}

std::optional<std::string> append_date(std::string_view iso) {
    // "2024-01-03T10:00:00Z"
    if (iso.size() != 20 || iso[4] != '-' || iso[7] != '-' || iso[10] != 'T' || iso[13] != ':' ||
        iso[16] != ':' || iso[19] != 'Z')
        return std::nullopt;
    auto year = number(iso.substr(0, 4)), month = number(iso.substr(5, 2)),
         day = number(iso.substr(8, 2)), hour = number(iso.substr(11, 2)),
         minute = number(iso.substr(14, 2)), second = number(iso.substr(17, 2));
    if (!year || !month || !day || !hour || !minute || !second || *month < 1 || *month > 12 ||
        *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60)
        return std::nullopt;
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[40];
    std::snprintf(buf, sizeof buf, "\"%02u-%s-%04u %02u:%02u:%02u +0000\"", *day,
                  kMonths[*month - 1], *year, *hour, *minute, *second);
    return std::string(buf);
}

std::optional<uint64_t> append_limit(const Capabilities& caps) {
    for (const auto& atom : caps.atoms) {
        if (atom.rfind("APPENDLIMIT=", 0) != 0)
            continue;
        std::string_view n = std::string_view(atom).substr(12);
        uint64_t v = 0;
        auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), v);
        if (ec == std::errc() && end == n.data() + n.size() && !n.empty())
            return v;
    }
    return std::nullopt;
}

core::Result<std::string> append_head(std::string_view mailbox, std::string_view flag_list,
                                      std::string_view date, QuotedText text) {
    IMM_ASSIGN(std::string name, quote_astring(mailbox, LiteralForm::Synchronizing, text));
    if (name.find('{') != std::string::npos && name.find("\r\n") != std::string::npos)
        return core::make_error(core::ErrorKind::Usage,
                                "folder name cannot be sent in APPEND: " + std::string(mailbox));
    std::string head = "APPEND " + name + " ";
    if (!flag_list.empty() && flag_list != "()")
        head += std::string(flag_list) + " ";
    if (!date.empty())
        head += std::string(date) + " ";
    return head;
}

core::Result<std::string> gmail_label_list(const std::vector<std::string>& labels) {
    std::string out = "(";
    for (const auto& label : labels) {
        auto refused = [&](const std::string& why) {
            return core::make_error(core::ErrorKind::Usage,
                                    "Gmail label '" + label + "' cannot be sent: " + why,
                                    core::Scope::Message);
        };
        if (label.empty())
            return refused("it is empty");
        for (char c : label)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                return refused("it holds a control character");
        if (out.size() > 1)
            out += ' ';
        if (label[0] == '\\') {
            // Gmail's system labels are flag atoms (\Inbox), never quoted.
            for (size_t i = 1; i < label.size(); ++i)
                if (!flag_char(label[i]) || label[i] == '\\')
                    return refused("a system label must be an atom");
            if (label.size() == 1)
                return refused("a system label must be an atom");
            out += label;
            continue;
        }
        IMM_ASSIGN(std::string encoded, mutf7_encode(label));
        out += '"';
        for (char c : encoded) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + ")";
}

core::Result<Writer::Appended> Writer::append(std::string_view mailbox, std::string_view flag_list,
                                              std::string_view date, LiteralSource& message) {
    IMM_ASSIGN(std::string head, append_head(mailbox, flag_list, date, m_client.quoted_text()));
    CommandScope scope(m_client.session());
    IMM_ASSIGN(std::string tag, scope.submit_literal(std::move(head), message, ""));
    IMM_ASSIGN(Completion answer, scope.wait(tag));
    Appended out;
    out.appenduid = parse_append_uid(answer);
    out.answer = std::move(answer);
    return out;
}

core::Result<Writer::AppendedMany> Writer::append_many(std::string_view mailbox,
                                                       const std::vector<Message>& messages) {
    std::vector<Session::LiteralPart> parts;
    for (size_t i = 0; i < messages.size(); ++i) {
        const auto& m = messages[i];
        std::string before;
        if (i == 0) {
            IMM_ASSIGN(before, append_head(mailbox, m.flag_list, m.date, m_client.quoted_text()));
        } else {
            // RFC 3502: append-message *(SP append-message), each "[flags] [date] literal".
            before = " ";
            if (!m.flag_list.empty() && m.flag_list != "()")
                before += m.flag_list + " ";
            if (!m.date.empty())
                before += m.date + " ";
        }
        parts.push_back({std::move(before), m.source});
    }
    CommandScope scope(m_client.session());
    IMM_ASSIGN(std::string tag, scope.submit_literals(parts, ""));
    IMM_ASSIGN(Completion answer, scope.wait(tag));
    AppendedMany out;
    out.appenduid = parse_append_uids(answer, messages.size());
    out.answer = std::move(answer);
    return out;
}

core::Result<Completion> Writer::create(std::string_view mailbox) {
    IMM_ASSIGN(std::string name,
               quote_astring(mailbox, LiteralForm::Synchronizing, m_client.quoted_text()));
    CommandScope scope(m_client.session());
    IMM_ASSIGN(std::string tag, scope.submit("CREATE " + name));
    return scope.wait(tag);
}

core::Result<MailboxState> Writer::select(std::string_view mailbox) {
    IMM_ASSIGN(std::string name,
               quote_astring(mailbox, LiteralForm::Synchronizing, m_client.quoted_text()));
    MailboxState state;
    CommandScope scope(m_client.session());
    IMM_ASSIGN(std::string tag, scope.submit("SELECT " + name, [&](const Response& r) {
        state.absorb(r);
        return core::Result<void>{};
    }));
    IMM_ASSIGN(Completion c, scope.wait(tag));
    if (!c.ok()) {
        auto e = completion_error(c, "SELECT");
        if (c.status == "NO")
            e.kind = core::ErrorKind::NotFound;
        e.message = "cannot open the folder for writing";
        e.folder = std::string(mailbox);
        return e;
    }
    state.absorb(Response{ResponseKind::Tagged, c.tag, c.status, c.code, c.text, {}, 0});
    return state;
}

core::Result<Completion> Writer::add_gmail_labels(uint32_t uid, std::string_view label_list) {
    CommandScope scope(m_client.session());
    IMM_ASSIGN(std::string tag, scope.submit("UID STORE " + std::to_string(uid) + " +X-GM-LABELS " +
                                             std::string(label_list)));
    return scope.wait(tag);
}

core::Result<Completion> Writer::add_flags(uint32_t uid, std::string_view flag_list) {
    CommandScope scope(m_client.session());
    IMM_ASSIGN(std::string tag, scope.submit("UID STORE " + std::to_string(uid) +
                                             " +FLAGS.SILENT " + std::string(flag_list)));
    return scope.wait(tag);
}

bool already_exists(const Completion& no) {
    if (no.code && no.code->name == "ALREADYEXISTS")
        return true;
    const std::string lower = ascii_lower(no.text);
    return lower.find("already exists") != std::string::npos ||
           lower.find("mailbox exists") != std::string::npos;
}

}  // namespace imapmirror::imap
