#pragma once
// The header fields the archive keeps of every message, described once: the mime layer reads
// them (mime::parse_message_file, whether or not GMime could parse the message) and the index
// stores them, one `messages` column each. mime and index do not know each other, so the list
// lives here. A new header column is a member and a line in kHeaderFields below, plus the
// schema migration that adds (and documents) the column.

#include <iterator>
#include <string>
#include <vector>

namespace imapmirror::core {

struct MessageHeaders {
    std::string message_id, in_reply_to, references, subject, from, to, cc, date;
    std::string list_unsubscribe, list_unsubscribe_post, thread_index;

    // Every field above, in kHeaderFields order.
    std::vector<std::string*> text_fields();
};

// How a field's value is made from the header's values as written.
enum class HeaderRead {
    AsWritten,        // the first such header, unfolded (mime::unfold_header_value)
    FirstAngleToken,  // the first <...> of the first such header, as written: "<id@host>"
    Text,             // the first such header, unfolded, RFC 2047 words decoded
    Addresses,        // the addresses of every such header, decoded: "Name <a@b>, ..."; IDN
                      // domains in Unicode
    Sender,           // as Addresses; where that finds none, the header's decoded text (a
                      // bare name, syntax no address parser reads); from Sender where the
                      // header is absent or empty
    Date,             // the last such header in UTC, "2024-01-03T10:00:00Z"; a numeric zone
                      // of fewer than 4 digits ("-600") read as Python's email does; ""
                      // if unparseable
};

struct HeaderField {
    std::string MessageHeaders::*member;
    const char* header;  // the header field name in the message
    HeaderRead read;
    const char* column;  // its column in the index's `messages` table
};

inline constexpr HeaderField kHeaderFields[] = {
    {&MessageHeaders::message_id, "Message-ID", HeaderRead::FirstAngleToken, "message_id"},
    {&MessageHeaders::in_reply_to, "In-Reply-To", HeaderRead::AsWritten, "in_reply_to"},
    {&MessageHeaders::references, "References", HeaderRead::AsWritten, "refs"},
    {&MessageHeaders::subject, "Subject", HeaderRead::Text, "subject"},
    {&MessageHeaders::from, "From", HeaderRead::Sender, "from_addr"},
    {&MessageHeaders::to, "To", HeaderRead::Addresses, "to_addrs"},
    {&MessageHeaders::cc, "Cc", HeaderRead::Addresses, "cc_addrs"},
    {&MessageHeaders::date, "Date", HeaderRead::Date, "date"},
    {&MessageHeaders::list_unsubscribe, "List-Unsubscribe", HeaderRead::AsWritten,
     "list_unsubscribe"},
    {&MessageHeaders::list_unsubscribe_post, "List-Unsubscribe-Post", HeaderRead::AsWritten,
     "list_unsubscribe_post"},
    {&MessageHeaders::thread_index, "Thread-Index", HeaderRead::AsWritten, "thread_index"},
};

// A member without its line above would be neither read nor stored.
static_assert(sizeof(MessageHeaders) == std::size(kHeaderFields) * sizeof(std::string),
              "every MessageHeaders member needs its line in kHeaderFields");

inline std::vector<std::string*> MessageHeaders::text_fields() {
    std::vector<std::string*> out;
    for (const auto& field : kHeaderFields)
        out.push_back(&(this->*field.member));
    return out;
}

}  // namespace imapmirror::core
