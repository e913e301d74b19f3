// imapmirror-extract: reads attachments' documents (PDF, OOXML, OpenDocument) for imapmirror,
// which starts it under limits (extract/sandbox.hpp). A program of its own so that imapmirror
// itself links none of poppler, libzip or libxml2 (and starts faster for it).

#include "extract/sandbox_child.hpp"

int main(int argc, char** argv) {
    return imapmirror::extract::run_extraction_child(argc, argv);
}
