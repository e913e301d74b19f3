#!/usr/bin/env python3
"""A Gmail-behaving IMAP server for tests: a relay in front of a real Dovecot.

No Gmail is reachable from the test machines, so this relay makes a Dovecot account behave as
Google documents Gmail's IMAP extensions
(https://developers.google.com/gmail/imap/imap-extensions):

- CAPABILITY (untagged, and in [CAPABILITY ...] codes) also lists X-GM-EXT-1;
- FETCH items X-GM-MSGID, X-GM-THRID and X-GM-LABELS are answered from a mapping file (labels as
  Gmail sends them: system labels like \\Inbox as atoms, user labels as quoted modified UTF-7);
  Dovecot answers the rest, so every message byte is Dovecot's;
- LIST shows the special uses Gmail gives its folders ([Gmail]/All Mail is \\All, ...), from the
  mapping, instead of Dovecot's own.

What restore writes (APPEND and `UID STORE uid +X-GM-LABELS (...)`):

- APPEND (into [Gmail]/All Mail, or anywhere) is Dovecot's own, APPENDUID included;
- `UID STORE uid +X-GM-LABELS (...)` in the selected folder adds the labels to that message's
  entry of the mapping file (decoded, as FETCH reads them back), logs one line
  "STORE <folder> <uid> <labels as sent>" to LOG_FILE.stores, and reaches Dovecot as a NOOP, so
  Dovecot's tagged OK answers it. Label folders get no copies, as on Gmail.

The account itself is real Dovecot folders: [Gmail]/All Mail holds every message once, [Gmail]/Spam
and [Gmail]/Trash what Gmail keeps out of All Mail, and each label is a folder holding copies,
as Gmail shows labels over IMAP.

Gmail moves a message's MODSEQ when its labels change (so CONDSTORE CHANGEDSINCE reports it);
the tests do the same to Dovecot by setting the keyword $GmLabelsChanged on the message, which
this relay hides from every answer.

Every FETCH answer that carries a message body (BODY[]) is logged as one line
"BODY <folder> <uid> <x-gm-msgid>" to --log: the test counts downloads there.

With GMAIL_RELAY_STORE_PAUSE=SECONDS in its environment, each label STORE is answered only
that long after it was applied and logged, so that a test can kill the client in the moment
between a STORE done on the server and its answer.

Usage: gmail_relay.py UPSTREAM_PORT MAPPING_JSON LOG_FILE PORT_FILE
MAPPING_JSON: {"special_use": {"[Gmail]/All Mail": "\\\\All", ...},
               "messages": {"[Gmail]/All Mail": {"1": {"msgid": 1, "thrid": 1,
                                                       "labels": ["\\\\Inbox", "Work"]}}}}
It is re-read whenever a client selects a folder, so a test changes labels by rewriting it.
"""

import base64
import json
import os
import re
import socket
import sys
import threading
import time

UPSTREAM_PORT = int(sys.argv[1])
MAPPING = sys.argv[2]
LOG = sys.argv[3]
PORT_FILE = sys.argv[4]
STORE_PAUSE = float(os.environ.get("GMAIL_RELAY_STORE_PAUSE", "0"))

log_lock = threading.Lock()
mapping_lock = threading.Lock()  # one writer of the mapping file at a time
HIDDEN_KEYWORD = re.compile(rb" ?\$GmLabelsChanged")
GM_ITEMS = re.compile(rb"\s*X-GM-(MSGID|THRID|LABELS)\b", re.I)
LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")
STORE_LABELS = re.compile(rb"UID STORE (\d+) \+X-GM-LABELS(?:\.SILENT)? \((.*)\)\r\n$", re.I)
LABEL_TOKEN = re.compile(rb'"((?:[^"\\]|\\.)*)"|([^\s()"]+)')


def load_mapping():
    with open(MAPPING, encoding="utf-8") as f:
        return json.load(f)


def mutf7(name):
    """RFC 3501 §5.1.3 modified UTF-7, as Gmail sends label names."""
    out, run = [], []

    def flush():
        if run:
            b = base64.b64encode("".join(run).encode("utf-16-be")).rstrip(b"=")
            out.append("&" + b.decode().replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def mutf7_decode(name):
    """The inverse of mutf7()."""
    out, i = [], 0
    while i < len(name):
        if name[i] != "&":
            out.append(name[i])
            i += 1
            continue
        j = name.index("-", i)
        if j == i + 1:
            out.append("&")
        else:
            b = name[i + 1:j].replace(",", "/")
            out.append(base64.b64decode(b + "=" * (-len(b) % 4)).decode("utf-16-be"))
        i = j + 1
    return "".join(out)


def default_msgid(folder, uid):
    """The X-GM-MSGID of a message the mapping does not name (stable for this relay's life)."""
    return abs(hash((folder, uid))) % 10**15


def add_labels(folder, uid, sent):
    """STORE +X-GM-LABELS: the labels `sent` (as on the wire) join the message's in the mapping."""
    labels = []
    for m in LABEL_TOKEN.finditer(sent):
        if m.group(1) is not None:
            labels.append(mutf7_decode(re.sub(rb"\\(.)", rb"\1", m.group(1)).decode()))
        else:
            labels.append(m.group(2).decode())
    with mapping_lock:
        mapping = load_mapping()
        entry = mapping.setdefault("messages", {}).setdefault(folder, {}).setdefault(
            uid, {"msgid": default_msgid(folder, uid.encode())})
        entry["labels"] = sorted(set(entry.get("labels", [])) | set(labels))
        with open(MAPPING + ".tmp", "w", encoding="utf-8") as f:
            json.dump(mapping, f)
        os.rename(MAPPING + ".tmp", MAPPING)
        with open(LOG + ".stores", "a") as f:
            f.write("STORE %s %s %s\n" % (folder, uid, sent.decode()))
        return mapping


def label_list(labels):
    items = []
    for label in labels:
        if label.startswith("\\"):
            items.append(label)  # a system label: an atom, as Gmail sends it
        else:
            items.append('"' + mutf7(label).replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "(" + " ".join(items) + ")"


def mailbox_argument(rest):
    """The mailbox name at the start of `rest` (quoted or atom)."""
    rest = rest.strip()
    if rest.startswith(b'"'):
        m = re.match(rb'"((?:[^"\\]|\\.)*)"', rest)
        return re.sub(rb"\\(.)", rb"\1", m.group(1)).decode() if m else ""
    return rest.split(b" ")[0].decode()


class Connection:
    def __init__(self, client):
        self.client = client
        self.upstream = socket.create_connection(("127.0.0.1", UPSTREAM_PORT))
        self.folder = None
        self.mapping = load_mapping()
        self.wanted = {}  # tag -> set of X-GM items its FETCH asked for
        self.lock = threading.Lock()

    def run(self):
        t = threading.Thread(target=self.client_to_server, daemon=True)
        t.start()
        try:
            self.server_to_client()
        finally:
            for s in (self.client, self.upstream):
                try:
                    s.close()
                except OSError:
                    pass

    # Client -> Dovecot: X-GM items are taken out of FETCH commands (Dovecot does not know them).
    def client_to_server(self):
        reader = self.client.makefile("rb")
        try:
            while True:
                line = reader.readline()
                if not line:
                    break
                line = self.rewrite_command(line)
                self.upstream.sendall(line)
                while True:
                    m = LITERAL.search(line)
                    if not m:
                        break
                    self.upstream.sendall(reader.read(int(m.group(1))))
                    line = reader.readline()
                    if not line:
                        return
                    self.upstream.sendall(line)
        except OSError:
            pass
        finally:
            try:
                self.upstream.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def rewrite_command(self, line):
        parts = line.split(b" ", 2)
        if len(parts) < 3:
            return line
        tag, verb, rest = parts[0], parts[1].upper(), parts[2]
        if verb in (b"SELECT", b"EXAMINE"):
            with self.lock:
                self.folder = mailbox_argument(rest)
                self.mapping = load_mapping()
        store = STORE_LABELS.match(parts[1] + b" " + rest) if verb == b"UID" else None
        if store:
            with self.lock:
                folder = self.folder
            mapping = add_labels(folder, store.group(1).decode(), store.group(2))
            with self.lock:
                self.mapping = mapping
            if STORE_PAUSE:
                time.sleep(STORE_PAUSE)
            return tag + b" NOOP\r\n"
        if verb == b"UID" and rest.upper().startswith(b"FETCH "):
            found = {m.group(1).upper().decode() for m in GM_ITEMS.finditer(rest)}
            if found:
                with self.lock:
                    self.wanted[tag] = found
                rest = GM_ITEMS.sub(b"", rest).replace(b"( ", b"(")
                return tag + b" " + parts[1] + b" " + rest
        return line

    # Dovecot -> client: capabilities, special uses and X-GM items added; the keyword hidden.
    def server_to_client(self):
        reader = self.upstream.makefile("rb")
        while True:
            line = reader.readline()
            if not line:
                return
            line = self.rewrite_response(line)
            self.client.sendall(line)
            while True:
                m = LITERAL.search(line)
                if not m:
                    break
                self.client.sendall(reader.read(int(m.group(1))))
                line = reader.readline()
                if not line:
                    return
                line = HIDDEN_KEYWORD.sub(b"", line)
                self.client.sendall(line)

    def rewrite_response(self, line):
        line = HIDDEN_KEYWORD.sub(b"", line)
        line = re.sub(rb"(CAPABILITY IMAP4rev1)", rb"\1 X-GM-EXT-1", line)
        if line.startswith(b"* LIST ") or line.startswith(b"* XLIST "):
            return self.rewrite_list(line)
        m = re.match(rb"\* (\d+) FETCH \((.*)", line, re.S)
        if m:
            return self.rewrite_fetch(line, m)
        tagged = line.split(b" ", 1)[0]
        with self.lock:
            self.wanted.pop(tagged, None)
        return line

    def rewrite_list(self, line):
        m = re.match(rb'(\* X?LIST \()([^)]*)(\) (?:"[^"]*"|NIL) )(.*)\r\n$', line)
        if not m:
            return line
        name = mailbox_argument(m.group(4))
        attrs = [a for a in m.group(2).split()
                 if a.lower() not in (b"\\all", b"\\junk", b"\\trash", b"\\sent", b"\\drafts",
                                      b"\\flagged", b"\\important", b"\\archive")]
        use = self.mapping.get("special_use", {}).get(name)
        if use:
            attrs.append(use.encode())
        return m.group(1) + b" ".join(attrs) + m.group(3) + m.group(4) + b"\r\n"

    def rewrite_fetch(self, line, m):
        uid = re.search(rb"\bUID (\d+)", line)
        with self.lock:
            wanted = set().union(*self.wanted.values()) if self.wanted else set()
            folder = self.folder
        entry = {}
        if uid:
            entry = self.mapping.get("messages", {}).get(folder, {}).get(uid.group(1).decode(), {})
        msgid = entry.get("msgid", default_msgid(folder, uid.group(1) if uid else b""))
        if b"BODY[] " in line:
            with log_lock, open(LOG, "a") as f:
                f.write("BODY %s %s %s\n" % (folder, uid.group(1).decode() if uid else "?", msgid))
        if not wanted:
            return line
        added = []
        if "MSGID" in wanted:
            added.append("X-GM-MSGID %d" % msgid)
        if "THRID" in wanted:
            added.append("X-GM-THRID %d" % entry.get("thrid", msgid))
        if "LABELS" in wanted:
            added.append("X-GM-LABELS " + label_list(entry.get("labels", [])))
        head = line[: m.start(2)]
        return head + " ".join(added).encode() + b" " + m.group(2)


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    with open(PORT_FILE + ".tmp", "w") as f:
        f.write(str(listener.getsockname()[1]))
    import os
    os.rename(PORT_FILE + ".tmp", PORT_FILE)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=lambda c=client: Connection(c).run(), daemon=True).start()


if __name__ == "__main__":
    main()
