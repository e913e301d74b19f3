#pragma once
// `export --dry-run`: what an export would do now, without doing it. The archive is only read
// (its index opened read-only, nothing created, locked or written, not even DIR) and the server
// only looked at (LIST with STATUS; EXAMINE, UID SEARCH and UID FETCH of UIDs, flags, headers
// and sizes in the changed folders), so a preview may run while a real export holds the archive.
//
// The figures are the export's own plan (run_plan.hpp: skip_from_listing, plan_folder), decided
// the same way and not applied: a folder whose STATUS equals the last sync is unchanged; in a
// changed one, the UIDs to fetch, the expunges and, after a UIDVALIDITY change, the archived
// copies re-identified by their headers are those the export then finds. Only the sizes of
// the messages to fetch are asked for besides (`UID FETCH (RFC822.SIZE)`).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "sync/run_types.hpp"

namespace imapmirror::sync {

struct FolderPreview {
    enum class Change {
        New,                 // not in the archive yet
        NewMail,             // in the archive; new messages, flags or expunges on the server
        UidValidityChanged,  // the server renumbered it: archived copies are re-identified
        Vanished,            // in the archive, no longer on the server (its files are kept)
        Unreadable,          // the server would not open it or answered oddly: see `error`
    };
    std::string name;  // decoded
    Change change = Change::NewMail;
    uint64_t messages = 0;  // to fetch
    uint64_t bytes = 0;     // their RFC822.SIZE, as the server announces it
    uint64_t expunged = 0;  // archived messages the server no longer has (kept, marked)
    // Unreadable: why; otherwise a planned folder whose counts do not add up (also in errors).
    std::optional<core::Error> error;
};

struct ExportPreview {
    bool archive_exists = false;         // DIR has an index; otherwise everything is new
    size_t folders_selected = 0;         // listed and kept by --include/--exclude
    size_t folders_unchanged = 0;        // nothing to do: STATUS equal to the last sync
    std::vector<FolderPreview> changed;  // each folder with something to do, in name order
    uint64_t messages = 0, bytes = 0;    // the sums over `changed`
    std::vector<core::Error> errors;     // LIST entries that did not parse; Unreadable folders
    // Gmail single-instance mode (see gmail_single_instance): label folders are not previewed,
    // their messages are All Mail's.
    bool gmail_single_instance = false;
    size_t label_folders = 0;
    // What the export would do with the archive's account identity (decide_identity): never
    // a refusal here, since a foreign archive is an error before any preview.
    IdentityChange identity_change = IdentityChange::None;
    std::optional<index::AccountIdentity> recorded_identity;
};

// Previews an export of `options.root` (its include/exclude apply) over one connection from
// `connect`. Errors of one folder cost that folder (Unreadable, and in `errors`); an error
// returned means no preview at all (the index could not be read, the connection or LIST failed).
core::Result<ExportPreview> preview_export(const ConnectFn& connect, const ExportOptions& options);

const char* to_string(FolderPreview::Change change);

}  // namespace imapmirror::sync
