#!/usr/bin/env python3
"""Prints a test server's answers to the commands whose quirks matter to imapmirror.

    imap_probe.py DIR      (a directory made by scripts/test-server start)
"""
import imaplib
import ssl
import sys

d = sys.argv[1]
port = int(open(f"{d}/port").read())
user = open(f"{d}/user").read().strip()
password = open(f"{d}/password").read().strip()
ctx = ssl.create_default_context(cafile=f"{d}/ca.pem")

plain = imaplib.IMAP4("127.0.0.1", port)
print("plain CAPABILITY:", " ".join(plain.capabilities))
plain.logout()
m = imaplib.IMAP4_SSL("127.0.0.1", port + 1, ssl_context=ctx)
print("TLS CAPABILITY before login:", " ".join(m.capabilities))
m.login(user, password)
print("CAPABILITY after login:", m.capability()[1])
print("NAMESPACE:", m.namespace()[1])
typ, lst = m.list()
print("LIST:")
for line in lst:
    print("   ", line)


def show(label, r):
    print(f"{label}: {r[0]} {r[1]}")


def untagged():
    out = {k: v for k, v in m.untagged_responses.items()}
    m.untagged_responses.clear()
    return out


m.untagged_responses.clear()
show("EXAMINE INBOX", m.select("INBOX", readonly=True))
print("   untagged:", untagged())
for cmd in ("UID SEARCH UID 1:*", "SEARCH ALL", "UID SEARCH ALL", "UID SEARCH UID 2:3", "UID FETCH 1:* (UID)"):
    tag = m._new_tag()
    m.send(tag + b" " + cmd.encode() + b"\r\n")
    lines = []
    while True:
        line = m.readline()
        lines.append(line)
        if line.startswith(tag):
            break
    print(f"{cmd}:", b" | ".join(l.rstrip() for l in lines))
m.close()
for name in ("INBOX", "Sent", "Folder With Spaces", "INBOX.Folder With Spaces"):
    tag = m._new_tag()
    m.send(tag + b' STATUS "' + name.encode() + b'" (MESSAGES UIDNEXT UIDVALIDITY)\r\n')
    lines = []
    while True:
        line = m.readline()
        lines.append(line)
        if line.startswith(tag):
            break
    print(f"STATUS {name}:", b" | ".join(l.rstrip() for l in lines))
m.logout()
