#pragma once
// gumbo's HTML5 tree for a message body, built at a bounded cost: linear in the input, with a
// stated memory bound, and never past a SIGINT/SIGTERM (core::interrupted()).
//
// How the cost stays bounded:
// - A linear scan of the tags (`bounded_prefix`) estimates the tree gumbo will build (an end
//   tag closes only an element it names; optional end tags, void elements and raw text as
//   HTML5 reads them) and gives gumbo only the part before the first tag that nests deeper than
//   `max_depth` or carries more than `max_attributes` attributes: gumbo's work per tag grows
//   with the depth, and per attribute with the attributes before it in the tag.
// - Every byte gumbo allocates is counted: more than `max_tree_bytes` alive at once, or more
//   than the CPU time budget (`cpu_seconds_base` + `cpu_seconds_per_mib` per MiB parsed), or an
//   interrupt, stops the parse (a jump out of gumbo; all it allocated is freed). On memory the
//   parse is retried on a quarter of the input, down to 64 KiB; on time or interrupt it ends
//   with no tree. What was parsed is then a prefix, and `cut` says so.
// Memory: at most `max_tree_bytes` for the tree plus the scan's stack of at most `max_depth`
// tag names, beside the caller's input.

#include <cstddef>
#include <memory>
#include <string_view>

typedef struct GumboInternalNode GumboNode;

namespace imapmirror::mime {

struct HtmlBounds {
    int max_depth = 256;                // elements open at once, as the scan counts them
    size_t max_attributes = 256;        // attributes in one tag
    size_t max_tree_bytes = 32u << 20;  // alive in gumbo at once
    double cpu_seconds_base = 0.25;     // CPU time for the parse of one part ...
    double cpu_seconds_per_mib = 0.5;   // ... plus this per MiB given to gumbo (both times 4
                                        // under AddressSanitizer: html_tree.cpp)
};

// How many bytes of `html` gumbo may be given under the scan's bounds (see above).
size_t bounded_prefix(std::string_view html, const HtmlBounds& bounds);

class HtmlTree {
  public:
    // Parses `html` (UTF-8; it must outlive the tree, whose nodes point into it).
    HtmlTree(std::string_view html, const HtmlBounds& bounds = {});
    ~HtmlTree();
    HtmlTree(const HtmlTree&) = delete;
    HtmlTree& operator=(const HtmlTree&) = delete;

    // The document node, nullptr when nothing could be parsed within the bounds.
    const GumboNode* root() const;
    // Less than the whole input is in the tree (a bound was reached).
    bool cut() const { return m_cut; }
    // The parse stopped for an interrupt.
    bool interrupted() const { return m_interrupted; }
    // The most bytes gumbo held at once (for tests of the bound).
    size_t peak_bytes() const;

    struct Budget;  // the allocator's state (html_tree.cpp)

  private:
    std::unique_ptr<Budget> m_budget;
    const GumboNode* m_root = nullptr;
    bool m_cut = false;
    bool m_interrupted = false;
};

}  // namespace imapmirror::mime
