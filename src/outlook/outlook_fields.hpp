#pragma once
// The Outlook properties a .msg derives from header fields rather than copying them: importance
// and priority, the subject's prefix, the conversation index, the message class, and the
// one-off entry ids of Reply-To. Pure: strings in, values out, no GMime, no file.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outlook/mail_content.hpp"

namespace imapmirror::outlook {

// PidTagImportance (0 low, 1 normal, 2 high) from `Importance:` (high/normal/low), else
// `X-Priority:` (1-2 high, 3 normal, 4-5 low), else `Priority:` (urgent/normal/non-urgent).
// Header values as written; "" for an absent one. nullopt when none says anything known.
std::optional<uint32_t> importance_of(std::string_view importance, std::string_view x_priority,
                                      std::string_view priority);

// PidTagPriority (1 urgent, 0 normal, -1 non-urgent) from `Priority:`, else from the
// importance (high is urgent, low non-urgent). nullopt when neither is known.
std::optional<int32_t> priority_of(std::string_view priority, std::optional<uint32_t> importance);

// MS-OXCMSG 2.2.1.9: a prefix is 1 to 3 characters without a space or colon, followed by ": ",
// at the start of the subject ("RE: ", "FW: ", "AW: "). {prefix with its ": ", the rest}; the
// prefix is "" when there is none.
std::pair<std::string, std::string> split_subject_prefix(std::string_view subject);

// PidTagConversationIndex (MS-OXOMSG 2.2.1.3): a `Thread-Index:` header (base64, as Outlook
// sends it) when it decodes to a valid index (22 bytes and 5 per reply); else a 22-byte header
// block built from `sent` (Unix seconds) and a GUID derived from `thread_root` (the
// Message-ID that starts the thread), so that messages of one thread share their GUID and the
// same .eml always gives the same .msg.
std::string conversation_index(std::string_view thread_index_header, std::string_view thread_root,
                               std::optional<int64_t> sent);

// What kind of message the .msg is (PidTagMessageClass), from the top-level MIME type:
// multipart/signed -> IPM.Note.SMIME.MultipartSigned; application/pkcs7-mime (or x-) ->
// IPM.Note.SMIME; multipart/report with report-type delivery-status -> REPORT.IPM.Note.NDR
// when an `Action:` of the delivery-status part is "failed", else REPORT.IPM.Note.DR; with
// report-type disposition-notification -> REPORT.IPM.Note.IPNNRN when the `Disposition:` says
// "deleted", else REPORT.IPM.Note.IPNRN; anything else IPM.Note. Lower-case type names;
// `report_fields` is the report part's text ("" when none).
std::string message_class_of(std::string_view type, std::string_view subtype,
                             std::string_view report_type, std::string_view report_fields);

// A One-Off EntryID (MS-OXCDATA 2.2.5.1) for an SMTP address: Unicode strings, no rich text.
std::string one_off_entry_id(const Mailbox& mailbox);

// A FlatEntryList (MS-OXCDATA 2.3.3) of the given entry ids, each padded to 4 bytes: what
// PidTagReplyRecipientEntries holds.
std::string flat_entry_list(const std::vector<std::string>& entry_ids);

}  // namespace imapmirror::outlook
