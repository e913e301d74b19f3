// Fuzz target: OOXML and OpenDocument text (extract::zip_xml_text), our reading of a zip's
// members with libzip and of their XML with libxml2's streaming reader. In the product this
// runs in the sandbox's child; here it runs in process, so that a fault in our member
// selection, caps or text assembly shows as a crash rather than a "failed:" status. The
// input is the zip, read as both kinds (they pick different members).
//
// Checked beyond "no crash", as attachment_text.hpp promises:
// - the text is valid UTF-8 and at most max_text bytes;
// - the status is "ok", "truncated" or "failed:REASON".

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "extract/document_text.hpp"
#include "fuzz_check.hpp"

using namespace imapmirror;
using fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    extract::ExtractLimits limits;
    limits.max_text = 4096;  // small, so the cap is reached and checked
    limits.max_member = 1 << 20;
    limits.max_unzipped = 2 << 20;
    for (auto kind : {extract::TextKind::Ooxml, extract::TextKind::Odf}) {
        const auto t = extract::zip_xml_text(kind, bytes, limits);
        check(fuzz::is_valid_utf8(t.text), "the text is valid UTF-8");
        check(t.text.size() <= limits.max_text, "the text is within max_text");
        check(t.status == "ok" || t.status == "truncated" || t.status.rfind("failed:", 0) == 0,
              "the status is ok, truncated or failed:REASON");
    }
    return 0;
}
