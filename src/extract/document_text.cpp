#include "extract/document_text.hpp"

namespace imapmirror::extract {

ExtractedText document_text(TextKind kind, std::string_view bytes, const ExtractLimits& limits) {
    if (bytes.size() > limits.max_input)
        return extract_text(kind, bytes, "", limits);  // says it is skipped, and why
    switch (kind) {
        case TextKind::Pdf:
            return pdf_text(bytes, limits);
        case TextKind::Ooxml:
        case TextKind::Odf:
            return zip_xml_text(kind, bytes, limits);
        default:
            return extract_text(kind, bytes, "", limits);
    }
}

}  // namespace imapmirror::extract
