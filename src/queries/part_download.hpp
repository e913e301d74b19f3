#pragma once
// `attachments --part N -o FILE`: one MIME part of one message, downloaded alone with
// BODY.PEEK[N] and decoded (base64, quoted-printable) as it streams in, so memory stays
// bounded whatever the part's size. Where the decoded bytes go is the caller's.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "queries/attachment_listing.hpp"

namespace imapmirror::queries {

// A part number as IMAP writes it ("2", "1.3"): numbers from 1 joined by dots; else a Usage
// error naming --part.
core::Result<void> check_part_number(std::string_view part);

struct PartDownload {
    std::optional<uint32_t> uid, seq;  // unset: the folder has no such message
    Attachment part;                   // the part as BODYSTRUCTURE describes it
    uint64_t decoded_bytes = 0;        // what went to `write`
};

// Part `part` of the one message with UID `number` (`by_uid`) or sequence number `number` in
// the examined folder: its BODYSTRUCTURE first (a part the message does not have is a Usage
// error listing the parts it has; a multipart is refused the same way, it has no body of its
// own), then BODY.PEEK[part], decoded in chunks passed to `write`. An error from `write`
// stops the fetch (the connection stays usable). No such message: `uid` unset, no error.
core::Result<PartDownload> download_part(
    imap::Client& client, bool by_uid, uint32_t number, const std::string& part,
    const std::function<core::Result<void>(std::string_view)>& write);

}  // namespace imapmirror::queries
