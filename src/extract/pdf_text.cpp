// PDF text through poppler's C++ API. Poppler is a large parser of hostile input: this runs
// only inside the sandbox's child (sandbox.hpp), never in the export's own process.
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <climits>
#include <memory>

#include "extract/document_text.hpp"

namespace imapmirror::extract {

namespace {

void quiet(const std::string&, void*) {}

}  // namespace

ExtractedText pdf_text(std::string_view bytes, const ExtractLimits& limits) {
    ExtractedText out;
    if (bytes.size() > static_cast<size_t>(INT_MAX))
        return ExtractedText{"", "skipped:too large for poppler"};
    poppler::set_debug_error_function(quiet, nullptr);
    std::unique_ptr<poppler::document> doc(
        poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
    if (!doc)
        return ExtractedText{"", "failed:not a readable PDF"};
    if (doc->is_locked())
        return ExtractedText{"", "failed:encrypted PDF"};
    const int pages = doc->pages();
    if (pages <= 0)
        return ExtractedText{"", "failed:a PDF without readable pages"};
    for (int i = 0; i < pages; ++i) {
        if (static_cast<size_t>(i) >= limits.max_pages) {
            out.status = "truncated";
            break;
        }
        std::unique_ptr<poppler::page> page(doc->create_page(i));
        if (!page)
            continue;
        const poppler::byte_array utf8 = page->text().to_utf8();
        std::string text(utf8.begin(), utf8.end());
        for (char& c : text)
            if (c == '\f')
                c = '\n';
        if (!append_capped(out, text + "\n", limits))
            break;
    }
    return out;
}

}  // namespace imapmirror::extract
