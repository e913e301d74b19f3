// The Outlook properties a .msg derives from header fields (outlook_fields.hpp), each rule by
// the specification it follows. The .msg files as a whole are read back by three readers in
// tests/msg/check-msg.

#include <catch2/catch.hpp>
#include <string>

#include "outlook/outlook_fields.hpp"

using namespace imapmirror::outlook;

TEST_CASE("outlook fields: importance comes from Importance, else X-Priority, else Priority",
          "[outlook]") {
    CHECK(importance_of("High", "5", "") == 2u);
    CHECK(importance_of(" low ", "", "") == 0u);
    CHECK(importance_of("", "1 (Highest)", "") == 2u);
    CHECK(importance_of("", "3 (Normal)", "") == 1u);
    CHECK(importance_of("", "5", "") == 0u);
    CHECK(importance_of("", "", "non-urgent") == 0u);
    CHECK(importance_of("", "", "urgent") == 2u);
    CHECK_FALSE(importance_of("", "", ""));
    CHECK_FALSE(importance_of("whenever", "9", "soon"));
}

TEST_CASE("outlook fields: priority comes from Priority, else from the importance", "[outlook]") {
    CHECK(priority_of("urgent", 0u) == 1);
    CHECK(priority_of("non-urgent", std::nullopt) == -1);
    CHECK(priority_of("", 2u) == 1);
    CHECK(priority_of("", 1u) == 0);
    CHECK(priority_of("", 0u) == -1);
    CHECK_FALSE(priority_of("", std::nullopt));
}

TEST_CASE("outlook fields: a prefix is 1 to 3 characters and a colon-space, nothing else",
          "[outlook]") {
    CHECK(split_subject_prefix("RE: lunch") ==
          std::make_pair(std::string("RE: "), std::string("lunch")));
    CHECK(split_subject_prefix("AW: Re: x") ==
          std::make_pair(std::string("AW: "), std::string("Re: x")));
    CHECK(split_subject_prefix("Note: four letters").first.empty());
    CHECK(split_subject_prefix("a b: spaced").first.empty());
    CHECK(split_subject_prefix("10:30 meeting").first.empty());
    CHECK(split_subject_prefix("Re:no space").first.empty());
    CHECK(split_subject_prefix("").second.empty());
}

TEST_CASE(
    "outlook fields: the conversation index keeps a valid Thread-Index, else is built from "
    "the thread's root and the date",
    "[outlook]") {
    // 22 bytes: 0x01, then anything; 27: one reply level.
    const std::string outlook_index = "AQHaPxyzAAECAwQFBgcICQoLDA0ODw==";  // 01 + 21 bytes
    CHECK(conversation_index(outlook_index, "<root@x>", 0).size() == 22);
    const std::string built = conversation_index("", "<root@x>", 1704099600);
    REQUIRE(built.size() == 22);
    CHECK(built[0] == '\x01');
    // One thread, one GUID; another thread, another; the same input, the same bytes.
    CHECK(conversation_index("", "<root@x>", 1704200000).substr(6) == built.substr(6));
    CHECK(conversation_index("", "<other@x>", 1704099600).substr(6) != built.substr(6));
    CHECK(conversation_index("", "<root@x>", 1704099600) == built);
    // The time is FILETIME's top 40 bits, big-endian: later is larger, byte by byte.
    CHECK(conversation_index("", "<root@x>", 1704200000).substr(1, 5) > built.substr(1, 5));
    // Not base64 of an index (wrong length, wrong first byte): built instead.
    CHECK(conversation_index("bm9wZQ==", "<root@x>", 1704099600) == built);
}

TEST_CASE("outlook fields: S/MIME and reports get their message class", "[outlook]") {
    CHECK(message_class_of("text", "plain", "", "") == "IPM.Note");
    CHECK(message_class_of("multipart", "signed", "", "") == "IPM.Note.SMIME.MultipartSigned");
    CHECK(message_class_of("application", "pkcs7-mime", "", "") == "IPM.Note.SMIME");
    CHECK(message_class_of("application", "x-pkcs7-mime", "", "") == "IPM.Note.SMIME");
    CHECK(message_class_of(
              "multipart", "report", "delivery-status",
              "Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; a@b\nAction: failed\n") ==
          "REPORT.IPM.Note.NDR");
    CHECK(message_class_of("multipart", "report", "Delivery-Status", "Action: delivered\n") ==
          "REPORT.IPM.Note.DR");
    CHECK(message_class_of("multipart", "report", "disposition-notification",
                           "Disposition: manual-action/MDN-sent-manually; displayed\n") ==
          "REPORT.IPM.Note.IPNRN");
    CHECK(message_class_of("multipart", "report", "disposition-notification",
                           "Disposition: automatic-action/MDN-sent-automatically; deleted\n") ==
          "REPORT.IPM.Note.IPNNRN");
    CHECK(message_class_of("multipart", "mixed", "delivery-status", "Action: failed") ==
          "IPM.Note");
}

TEST_CASE("outlook fields: a One-Off EntryID holds the name, SMTP and the address in UTF-16",
          "[outlook]") {
    const std::string id = one_off_entry_id(Mailbox{"Bö", "b@x.org"});
    REQUIRE(id.size() == 24 + 2 * (3 + 5 + 8));  // three strings, each with its NUL
    CHECK(id.substr(0, 4) == std::string(4, '\0'));
    CHECK(static_cast<unsigned char>(id[4]) == 0x81);
    CHECK(static_cast<unsigned char>(id[23]) == 0x80);  // MAPI_ONE_OFF_UNICODE
    CHECK(id.substr(24, 4) == std::string("B\0\xF6\0", 4));
    const std::string list = flat_entry_list({id, "abc"});
    // count 2; then 4 + 56 and 4 + 3 + 1 pad bytes of entries
    CHECK(list.substr(0, 8) == std::string("\x02\0\0\0\x44\0\0\0", 8));
    CHECK(list.size() == 8 + 4 + id.size() + 4 + 4);
}
