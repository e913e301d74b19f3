#pragma once
// Writes a MailContent as an Outlook .msg file (MS-OXMSG: a compound file written with libgsf's
// OLE2 writer). What is mapped is listed in doc/msg.md.

#include <string>

#include "core/error.hpp"
#include "outlook/mail_content.hpp"

namespace imapmirror::outlook {

// Writes the .msg into the existing file `path`, replacing its contents (callers pass a
// core::AtomicFile's temporary path and commit it afterwards, so a failure never leaves a
// broken file under the final name). An error is of scope Message, kind Io. The attachments'
// bytes are moved into the file's streams, not copied (hence `content` by value).
core::Result<void> write_msg(MailContent content, const std::string& path);

// read_eml + write_msg: the one conversion `convert`, `fetch --format msg` and `export --msg`
// use. One runs at a time in a process (a lock), so a process holds the memory of at most one
// conversion (eml_reader.hpp's ReadLimits: about twice the .eml's size, at most 64 MiB of
// .eml). A message beyond ReadLimits is a Limit error (not convertible); a local write failure
// is an Io or DiskFull error.
core::Result<void> convert_eml_to_msg(const std::string& eml_path, const std::string& msg_path);

}  // namespace imapmirror::outlook
