#!/usr/bin/env python3
"""Fills an IMAP account over the wire (APPEND), for test servers that have no doveadm.

    imap_seed.py --port P --tls-port T --ca-file CA --user U --password-file F seed MANIFEST SEED_DIR
    imap_seed.py --port P --tls-port T --ca-file CA --user U --password-file F load FOLDER  < files
    imap_seed.py --port P --tls-port T --ca-file CA --user U --password-file F dump OUTDIR
    imap_seed.py --port P --tls-port T --ca-file CA --user U --password-file F recreate FOLDER

recreate deletes FOLDER and creates it again with the same messages in the same order: the
server gives it a new UIDVALIDITY, as after a restore or a server migration.

dump writes every message of every selectable folder, as the server sends BODY.PEEK[], to
OUTDIR/N.eml, and OUTDIR/index.tsv with one line per message: RAW_NAME<TAB>UID<TAB>N.eml.

Folder names in the manifest use '/' as the hierarchy separator and UTF-8; they are mapped to
the server's delimiter and personal namespace prefix (Courier: "INBOX.") and sent in modified
UTF-7. Messages are appended one at a time in order, so UIDs follow the list; each folder is
opened read-write after each APPEND (imap4d assigns a lasting UID only then). Flags are set
afterwards with STORE, because some servers (imap4d) ignore the flags given to APPEND. A
message the server refuses (Cyrus: header-less messages) is skipped with a warning.
"""
import argparse
import base64
import imaplib
import os
import re
import ssl
import sys


def mutf7(name):
    out, run = [], []

    def flush():
        if run:
            b = base64.b64encode("".join(run).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + b.replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Account:
    def __init__(self, host, port, user, password, tls_port, ca_file):
        # TLS first: Cyrus refuses LOGIN on a plain connection by default.
        try:
            ctx = ssl.create_default_context(cafile=ca_file)
            self.imap = imaplib.IMAP4_SSL(host, tls_port, ssl_context=ctx, timeout=10)
        except (OSError, ssl.SSLError):
            self.imap = imaplib.IMAP4(host, port)
        self.imap.login(user, password)
        self.delimiter, self.prefix = "/", ""
        typ, data = self.imap.list('""', '""')
        m = re.match(rb'\(.*?\) (?:"(.)"|NIL)', data[0] or b"") if typ == "OK" else None
        if m and m.group(1):
            self.delimiter = m.group(1).decode()
        if "NAMESPACE" in self.imap.capabilities:
            typ, data = self.imap.namespace()
            m = re.match(rb'\(\("([^"]*)"', data[0] or b"")
            if typ == "OK" and m:
                self.prefix = m.group(1).decode()
        self.created = set()

    def wire_name(self, folder):
        if folder.upper() == "INBOX":
            return "INBOX"
        return mutf7(self.prefix + folder.replace("/", self.delimiter))

    def create(self, folder):
        name = self.wire_name(folder)
        if name == "INBOX" or name in self.created:
            return name
        self.created.add(name)
        # Parents first: not every server creates intermediate levels.
        parts = folder.split("/")
        for i in range(1, len(parts)):
            self.imap.create(quote(self.wire_name("/".join(parts[:i]))))
        typ, data = self.imap.create(quote(name))
        if typ != "OK" and b"exist" not in (data[0] or b"").lower():
            print(f"imap_seed: CREATE {folder}: {data}", file=sys.stderr)
        return name

    def append(self, folder, path, flags):
        with open(path, "rb") as f:
            return self.append_bytes(folder, f.read(), flags, path)

    def append_bytes(self, folder, body, flags, what):
        name = self.create(folder)
        path = what
        try:
            typ, data = self.imap.append(quote(name), None, None, body)
        except imaplib.IMAP4.error as e:
            typ, data = "NO", [str(e).encode()]
        if typ != "OK":
            print(f"imap_seed: warning: {folder} refused {path}: {data}", file=sys.stderr)
            return False
        # SELECT (read-write) even without flags: imap4d keeps an appended message in the
        # Maildir's new/ and gives it a fresh UID on every read-only open until a read-write
        # open moves it to cur/, as a mail client would.
        typ, data = self.imap.select(quote(name))
        count = int(data[0])
        for flag in flags.split():
            # One at a time: imap4d refuses keywords ($Important) but keeps system flags.
            try:
                self.imap.store(str(count), "+FLAGS", "(" + flag + ")")
            except imaplib.IMAP4.error as e:
                print(f"imap_seed: warning: flag {flag} on {path}: {e}", file=sys.stderr)
        self.imap.close()
        return True


def recreate(acct, folder):
    name = acct.wire_name(folder)
    typ, data = acct.imap.select(quote(name), readonly=True)
    if typ != "OK":
        sys.exit(f"imap_seed: cannot open {folder}: {data}")
    typ, data = acct.imap.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
    bodies = [item[1] for item in data if isinstance(item, tuple)]
    acct.imap.close()
    typ, data = acct.imap.delete(quote(name))
    if typ != "OK":
        sys.exit(f"imap_seed: cannot delete {folder}: {data}")
    acct.created.discard(name)
    acct.create(folder)
    for i, body in enumerate(bodies):
        acct.append_bytes(folder, body, "", f"{folder} message {i + 1}")


def dump(imap, outdir):
    os.makedirs(outdir, exist_ok=True)
    typ, lines = imap.list('""', "*")
    names = []
    for line in lines:
        if isinstance(line, tuple):  # the name came as a literal
            head, raw = line[0], b'"' + line[1] + b'"'
        else:
            head, raw = line, None
        m = re.match(rb'\((.*?)\) (?:"(?:\\.|[^"])"|NIL) ?(.*)$', head)
        if not m or b"\\noselect" in m.group(1).lower():
            continue
        raw = raw or m.group(2)
        if raw.startswith(b'"'):
            raw = re.sub(rb"\\(.)", rb"\1", raw[1:-1])
        names.append(raw.decode())
    n = 0
    with open(f"{outdir}/index.tsv", "w", encoding="utf-8") as index:
        for name in names:
            typ, data = imap.select(quote(name), readonly=True)
            if typ != "OK":
                continue
            # UID FETCH 1:* rather than UID SEARCH: imap4d answers UID SEARCH UID 1:* with nothing.
            typ, data = imap.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
            for i, item in enumerate(data):
                if not isinstance(item, tuple):
                    continue
                # UID may come before the literal or after it (in the next element).
                after = data[i + 1] if i + 1 < len(data) and isinstance(data[i + 1], bytes) else b""
                uid = re.search(rb"UID (\d+)", item[0] + b" " + after).group(1).decode()
                n += 1
                with open(f"{outdir}/{n}.eml", "wb") as f:
                    f.write(item[1])
                index.write(f"{name}\t{uid}\t{n}.eml\n")
            imap.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--tls-port", type=int, required=True)
    ap.add_argument("--ca-file", required=True)
    ap.add_argument("command", choices=["seed", "load", "dump", "recreate"])
    ap.add_argument("args", nargs="+")
    a = ap.parse_args()
    with open(a.password_file) as f:
        password = f.read().strip()
    acct = Account(a.host, a.port, a.user, password, a.tls_port, a.ca_file)
    if a.command == "seed":
        manifest, seed_dir = a.args
        with open(manifest, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or line.startswith("#"):
                    continue
                folder, flags, file = (line.split("\t") + ["", ""])[:3]
                acct.create(folder)
                if file:
                    acct.append(folder, f"{seed_dir}/{file}", "" if flags == "-" else flags)
    elif a.command == "dump":
        dump(acct.imap, a.args[0])
    elif a.command == "recreate":
        recreate(acct, a.args[0])
    else:
        folder = a.args[0]
        acct.create(folder)
        for path in sys.stdin.read().splitlines():
            if path:
                acct.append(folder, path, "")
    acct.imap.logout()


if __name__ == "__main__":
    main()
