#pragma once
// One rule for "is this MIME leaf an attachment?", shared by the BODYSTRUCTURE view
// (imap/body_structure) and the extraction from downloaded messages (mime/message_parser), so
// that `imapmirror attachments` and the export agree. It lives in core because imap and mime
// may not include each other. It is all core knows of MIME: comparisons of type names the
// caller has already parsed; no parsing, no GMime.

#include <string_view>

namespace imapmirror::core {

// `type`, `subtype`, `disposition` and `parent_subtype` lower-case; parent_subtype is "" at
// the top. Attachments: disposition "attachment"; any part with a file name; an attached
// message (message/rfc822, message/global); a non-text part without inline disposition that is
// not inside multipart/alternative or multipart/related.
inline bool is_attachment_part(std::string_view type, std::string_view subtype,
                               std::string_view disposition, bool has_file_name,
                               std::string_view parent_subtype) {
    bool is_message = type == "message" && (subtype == "rfc822" || subtype == "global");
    if (disposition == "attachment" || has_file_name || is_message)
        return true;
    if (disposition == "inline" || type == "text" || type == "multipart")
        return false;
    return parent_subtype != "alternative" && parent_subtype != "related";
}

}  // namespace imapmirror::core
