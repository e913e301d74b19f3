// Fuzz target: HTML to text (mime::html_to_text through mime::HtmlTree), the path the export,
// `reindex` and `show` share for text/html bodies. The input is the HTML, as UTF-8 bytes.
//
// Checked beyond "no crash", as html_tree.hpp and body_text.hpp promise:
// - the text is valid UTF-8 whose only control character is '\n', at most max_text bytes;
// - the tree never held more than HtmlBounds::max_tree_bytes;
// - the conversion took at most the CPU time the bounds allow for this size, plus a margin
//   for sanitizers (time per input is part of the contract: no input may be quadratic).

#include <time.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "mime/body_text.hpp"
#include "mime/html_tree.hpp"

using namespace imapmirror;
using fuzz::check;

namespace {

double cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

bool is_clean_lines(std::string_view s) {
    for (size_t at = 0;;) {
        const size_t nl = s.find('\n', at);
        if (!fuzz::is_clean_text(s.substr(at, nl == std::string_view::npos ? nl : nl - at)))
            return false;
        if (nl == std::string_view::npos)
            return true;
        at = nl + 1;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view html(reinterpret_cast<const char*>(data), size);
    const mime::HtmlBounds bounds;
    const double start = cpu_seconds();
    {
        const mime::HtmlTree tree(html, bounds);
        check(tree.peak_bytes() <= bounds.max_tree_bytes, "the tree went over its memory bound");
    }
    constexpr size_t kMaxText = 4096;
    const mime::BodyText text = mime::html_to_text(html, kMaxText);
    // Two conversions, each within its CPU bound; 4x for ASan and UBSan.
    const double allowed =
        2 * 4 * (bounds.cpu_seconds_base + bounds.cpu_seconds_per_mib * size / (1 << 20));
    check(cpu_seconds() - start <= allowed, "the conversion took longer than its bound");
    check(text.text.size() <= kMaxText, "the text is over its cap");
    check(is_clean_lines(text.text), "the text is not clean UTF-8 lines");
    return 0;
}
