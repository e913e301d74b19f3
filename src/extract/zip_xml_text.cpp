// OOXML and OpenDocument text: the zip container read with libzip from memory, the XML
// members that carry text read with libxml2's streaming reader (no DTD loaded, no entity
// expanded, no network), each within max_member and all within max_unzipped, so a
// decompression bomb costs at most those bytes.
#include <libxml/xmlreader.h>
#include <zip.h>

#include <algorithm>
#include <memory>
#include <regex>
#include <vector>

#include "extract/document_text.hpp"

namespace imapmirror::extract {

namespace {

struct ZipClose {
    void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileClose {
    void operator()(zip_file_t* f) const { zip_fclose(f); }
};
struct ReaderFree {
    void operator()(xmlTextReaderPtr r) const { xmlFreeTextReader(r); }
};

// Which members carry text, in the order a reader sees them.
bool carries_text(TextKind kind, const std::string& name) {
    static const std::regex kOoxml(
        R"(word/(document|footnotes|endnotes|comments|header[0-9]*|footer[0-9]*)\.xml|)"
        R"(xl/sharedStrings\.xml|xl/worksheets/sheet[0-9]+\.xml|)"
        R"(ppt/slides/slide[0-9]+\.xml|ppt/notesSlides/notesSlide[0-9]+\.xml)");
    if (kind == TextKind::Odf)
        return name == "content.xml";
    return std::regex_match(name, kOoxml);
}

// How an element shapes the text: a text run, a line break after it, a space.
enum class Role { Other, Text, Line, Space };

Role role_of(TextKind kind, std::string_view local) {
    if (kind == TextKind::Odf) {
        if (local == "p" || local == "h" || local == "line-break" || local == "table-row")
            return Role::Line;
        if (local == "s" || local == "tab" || local == "table-cell")
            return Role::Space;
        return Role::Text;  // every text node in content.xml is the document's text
    }
    if (local == "t")
        return Role::Text;
    if (local == "p" || local == "si" || local == "br" || local == "row")
        return Role::Line;
    if (local == "tab" || local == "c")
        return Role::Space;
    return Role::Other;
}

// The text of one member's XML (perhaps cut short at the cap: what parsed is kept).
void xml_text(TextKind kind, const std::string& xml, ExtractedText& out,
              const ExtractLimits& limits) {
    std::unique_ptr<xmlTextReader, ReaderFree> reader(xmlReaderForMemory(
        xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA));
    if (!reader)
        return;
    int text_depth = -1;  // depth of the open OOXML text element, -1 when none
    std::string pending;
    while (xmlTextReaderRead(reader.get()) == 1) {
        const int type = xmlTextReaderNodeType(reader.get());
        const int depth = xmlTextReaderDepth(reader.get());
        const auto* raw = xmlTextReaderConstLocalName(reader.get());
        const std::string_view local = raw ? reinterpret_cast<const char*>(raw) : "";
        if (type == XML_READER_TYPE_ELEMENT) {
            const Role role = role_of(kind, local);
            if (role == Role::Text && kind == TextKind::Ooxml &&
                !xmlTextReaderIsEmptyElement(reader.get()))
                text_depth = depth;
            else if (role == Role::Space)
                pending += ' ';
            else if (role == Role::Line && xmlTextReaderIsEmptyElement(reader.get()))
                pending += '\n';
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (depth == text_depth)
                text_depth = -1;
            else if (role_of(kind, local) == Role::Line)
                pending += '\n';
        } else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
                   type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) {
            if (kind == TextKind::Odf || text_depth >= 0)
                if (const auto* v = xmlTextReaderConstValue(reader.get()))
                    pending += reinterpret_cast<const char*>(v);
        }
        if (pending.size() >= 64 * 1024) {
            if (!append_capped(out, pending, limits))
                return;
            pending.clear();
        }
    }
    append_capped(out, pending, limits);
}

}  // namespace

ExtractedText zip_xml_text(TextKind kind, std::string_view bytes, const ExtractLimits& limits) {
    ExtractedText out;
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (!source) {
        zip_error_fini(&error);
        return ExtractedText{"", "failed:out of memory"};
    }
    std::unique_ptr<zip_t, ZipClose> zip(zip_open_from_source(source, ZIP_RDONLY, &error));
    if (!zip) {
        zip_source_free(source);
        std::string why = zip_error_strerror(&error);
        zip_error_fini(&error);
        return ExtractedText{"", "failed:not a zip file (" + why + ")"};
    }
    zip_error_fini(&error);
    const zip_int64_t entries = zip_get_num_entries(zip.get(), 0);
    std::vector<std::pair<std::string, zip_uint64_t>> members;
    for (zip_int64_t i = 0; i < entries; ++i) {
        if (static_cast<size_t>(i) >= limits.max_members) {
            out.status = "truncated";
            break;
        }
        const char* name = zip_get_name(zip.get(), static_cast<zip_uint64_t>(i), 0);
        if (name && carries_text(kind, name))
            members.emplace_back(name, static_cast<zip_uint64_t>(i));
    }
    // Slides and sheets in their numeric order (slide2 before slide10).
    std::stable_sort(members.begin(), members.end(), [](const auto& a, const auto& b) {
        return a.first.size() != b.first.size() ? a.first.size() < b.first.size()
                                                : a.first < b.first;
    });
    if (members.empty())
        return ExtractedText{"", kind == TextKind::Odf ? "failed:no content.xml in the zip"
                                                       : "failed:no document XML in the zip"};
    size_t unzipped = 0;
    for (const auto& [name, index] : members) {
        std::unique_ptr<zip_file_t, ZipFileClose> file(zip_fopen_index(zip.get(), index, 0));
        if (!file) {
            out.status = "failed:" + name + " cannot be read (encrypted or damaged)";
            continue;
        }
        std::string xml;
        char buf[64 * 1024];
        bool cut = false;
        for (;;) {
            const size_t room =
                std::min(limits.max_member - xml.size(), limits.max_unzipped - unzipped);
            if (room == 0) {
                cut = true;
                break;
            }
            const zip_int64_t n = zip_fread(file.get(), buf, std::min(room, sizeof buf));
            if (n < 0) {
                out.status = "failed:" + name + " is damaged";
                break;
            }
            if (n == 0)
                break;
            xml.append(buf, static_cast<size_t>(n));
            unzipped += static_cast<size_t>(n);
        }
        if (cut)
            out.status = "truncated";
        xml_text(kind, xml, out, limits);
        if (out.text.size() >= limits.max_text || unzipped >= limits.max_unzipped) {
            out.status = "truncated";
            break;
        }
    }
    return out;
}

}  // namespace imapmirror::extract
