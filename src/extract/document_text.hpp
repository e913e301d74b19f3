#pragma once
// The document kinds of attachment_text.hpp (PDF, OOXML, OpenDocument), whose parsers are
// too large to trust with mail: linked only into the extraction program (imapmirror-extract,
// src/extract_main.cpp), which sandbox.hpp runs under limits, and into the tests and fuzzers
// that read documents in process. The parent links none of poppler, libzip or libxml2.

#include <string_view>

#include "extract/attachment_text.hpp"

namespace imapmirror::extract {

// The text of `bytes` read as `kind`: the document kinds here, the others as extract_text
// reads them (with no declared charset).
ExtractedText document_text(TextKind kind, std::string_view bytes, const ExtractLimits& limits);

// Through poppler's C++ API; page by page, at most max_pages, text joined with form feeds
// turned into blank lines.
ExtractedText pdf_text(std::string_view bytes, const ExtractLimits& limits);
// The XML members that carry text: docx word/document.xml, headers, footers, footnotes,
// endnotes, comments; xlsx xl/sharedStrings.xml and inline strings of the sheets; pptx
// slides and notes; OpenDocument content.xml. Read with libzip and libxml2's streaming
// reader (no DTD, no entities expanded, no network), within max_member / max_unzipped.
ExtractedText zip_xml_text(TextKind kind, std::string_view bytes, const ExtractLimits& limits);

}  // namespace imapmirror::extract
