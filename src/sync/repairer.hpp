#pragma once
// `verify --repair`: heals what verify_files found, through the export's own write path.

#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "sync/run_types.hpp"
#include "sync/verifier.hpp"

namespace imapmirror::sync {

struct RepairReport {
    std::vector<std::string> refetched;     // .eml files fetched again from the server
    std::vector<std::string> reextracted;   // attachment files written again from their .eml
    std::vector<std::string> set_aside;     // damaged copies kept, by their new paths
    std::vector<std::string> unrepairable;  // "path: why"; each left as it was
    std::vector<core::Error> errors;        // what the fetch reported (message scope)
};

// Repairs the missing and changed files of `found` in the archive `root`, holding its lock
// (as export does) throughout:
// - a message's .eml: a damaged one is set aside (store::set_aside, never deleted), then the
//   message is fetched again by UID with BodyFetcher: the export's UID FETCH, durable batch and
//   attachment extraction (its .attachments directory is written anew; one holding a damaged
//   file is set aside first). Its index row is kept as it is. Only when the folder's
//   UIDVALIDITY is still the message's and its UID is still on the server; otherwise (and for
//   a message the export marked expunged) it is unrepairable and left as it is;
// - an attachment file of an intact message: a damaged one set aside, then extracted again
//   from the .eml and renamed into place in one durable batch;
// - a file of the attachment store whose bytes no longer match its name (verify reports the
//   attachment of every message linking it as changed too): set aside first, so that nothing
//   is linked to it again; the messages' attachments are then extracted again as above, and
//   the first good copy becomes the store's file (AttachmentStore::adopt; storage recorded);
// - a .msg or label link: unrepairable here.
// A repaired file is hashed again: one whose new bytes still differ from the index (the server
// sent other bytes) is unrepairable too. `connect` is called once, only when a message must be
// fetched, after the attachments of intact messages are done. An error returned ends the repair
// (archive locked, index, a local write failure, a broken connection); what was committed before it
// stays.
core::Result<RepairReport> repair_archive(const std::string& root, const VerifyReport& found,
                                          const ConnectFn& connect,
                                          std::function<void(const Progress&)> on_progress);

}  // namespace imapmirror::sync
