#!/usr/bin/env python3
"""One MIME part of a message as Python's email package decodes it: the oracle for
`imapmirror attachments --part` (tests/integration/client_commands_test.cpp).

Usage: email_part.py MESSAGE PART OUT
PART is an IMAP part number (RFC 3501 6.4.5: "2", "1.3") of a part below multiparts; OUT
gets get_payload(decode=True) of that part (the Content-Transfer-Encoding undone).
"""
import email
import sys


def main():
    path, number, out = sys.argv[1:4]
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f)
    for n in number.split("."):
        if msg.is_multipart():
            msg = msg.get_payload()[int(n) - 1]
        elif n != "1":  # a single part's body is part 1
            sys.exit("no part " + number)
    with open(out, "wb") as f:
        f.write(msg.get_payload(decode=True))


if __name__ == "__main__":
    main()
