"""scripts/bench: imapmirror beside a raw-fetch floor and mbsync (see scripts/bench).

Steps, all against one private Dovecot over implicit TLS on 127.0.0.1:
  1. generate a deterministic account of N messages in ~12 nested folders, written straight
     into the Maildir (APPEND is slow), then let Dovecot index it;
  2. floor: a minimal client that logs in and sends one UID FETCH 1:* BODY.PEEK[] per folder,
     discarding the bytes;
  3. imapmirror export: cold (also with --no-bodies and with --no-attachment-text), no-change
     re-run, re-run after adding 1% new messages;
  4. mbsync (Debian isync) into a Maildir: cold, no-change, +1%;
  5. with --scale N: grows the account to N messages and times the no-change runs again;
  6. exports one --big-mb MB message alone, for its peak RSS;
  7. restore: a cold export's archive back into the same Dovecot below a fresh prefix (last,
     as it grows the account), with the ratio restore/export cold (issue 23: at most 2);
  8. one table of medians, with the ratios imapmirror/floor and imapmirror/mbsync, and the
     archive's bytes per byte of mail for each mode (--attachments files and none, --msg,
     --no-bodies) beside mbsync's Maildir.
The account's attachments repeat as real mail's do (make_message: signature logos, files
sent again), so that identical attachments stored once shows in the disk figures.
With --rtt-ms a relay delays every chunk by half the RTT each way (the kernel has no netem).
"""

import argparse
import asyncio
import base64
import io
import json
import os
import random
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

FOLDERS = [
    "INBOX", "Sent", "Drafts", "Archive", "Archive/2023", "Archive/2024", "Archive/2024/Q1",
    "Archive/2024/Q2", "Lists", "Lists/dev", "Lists/announce", "Work/Projects",
]
WORDS = ("archive backup mailbox server folder thread message reply meeting budget report "
         "schedule release update review design network storage client protocol").split()


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- account generation

def paragraph(rng, words):
    return " ".join(rng.choice(WORDS) for _ in range(words))


# Attachments that real mail repeats: a few signature logos (5-20 KB, each in about one
# message in eight of its sender's), and files sent again (a forwarded newsletter or report, a
# copy in Sent and in INBOX, a file re-attached down a thread). Drawn from their own generator,
# so that the text and the first-time attachments are the same bytes as before they existed.
LOGOS = [random.Random(1000 + i).randbytes(random.Random(2000 + i).randint(5_000, 20_000))
         for i in range(4)]


def make_pdf(pages):
    """A PDF of one text line per page stream, written by hand (PDF 1.4: catalog, page tree,
    pages, content streams, a Type1 font, xref)."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", None,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for text in pages:
        lines = " ".join("(%s) Tj 0 -14 Td" % line.replace("(", "").replace(")", "")
                         for line in text.split("\r\n")[:50])
        stream = ("BT /F1 10 Tf 40 800 Td %s ET" % lines).encode()
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objs)
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 3 0 R >> >> >>" % content)
        kids.append(b"%d 0 R" % len(objs))
    objs[1] = b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(kids), b" ".join(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def make_docx(paragraphs):
    """A .docx (OOXML WordprocessingML) with these paragraphs, zipped with the standard library."""
    body = "".join("<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % p for p in paragraphs)
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w='
           '"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>%s</w:body>'
           '</w:document>' % body)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"/>')
        z.writestr("word/document.xml", doc)
    return buf.getvalue()


def attachment(rng, n):
    """The attachment of one message in ten: a third each a PDF of 2-20 pages, a .docx of
    20-200 paragraphs (both with text for the search index), and 100 KB-2 MB of random bytes."""
    kind = n % 3
    if kind == 0:
        pages = ["\r\n".join(paragraph(rng, 10) for _ in range(40)) for _ in range(rng.randint(2, 20))]
        return f"file-{n}.pdf", "application/pdf", make_pdf(pages)
    if kind == 1:
        return (f"file-{n}.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                make_docx([paragraph(rng, 14) for _ in range(rng.randint(20, 200))]))
    return f"file-{n}.bin", "application/octet-stream", rng.randbytes(rng.randint(100_000, 2_000_000))


def make_message(rng, n, folder, small=False, repeats=None, sent=None):
    """One realistic message: mostly 2-20 KB text/HTML alternatives, 10% with a 100 KB-2 MB
    base64 attachment, threads, List-Unsubscribe on list mail. `small`: 1-3 KB of text only
    (for the account-size scaling step, where only the message count matters).
    Repeated attachments as real mail has them (`repeats`, a random.Random, and `sent`, the
    list of attachments made so far): one message in eight carries its sender's signature logo
    (one of four); a message with a file attachment re-sends one made earlier one time in
    three (a forward, a copy in another folder)."""
    mid = f"<bench-{n}@example.org>"
    headers = [
        f"From: Sender {n % 97} <sender{n % 97}@example.org>",
        "To: alice@example.org",
        f"Subject: {'Re: ' if n % 5 else ''}Topic {n // 5}",
        f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(1700000000 + n * 37))}",
        f"Message-ID: {mid}",
        "MIME-Version: 1.0",
    ]
    if n % 5:
        parent = f"<bench-{n - n % 5}@example.org>"
        headers += [f"In-Reply-To: {parent}", f"References: {parent}"]
    if folder.startswith("Lists"):
        headers += ["List-Unsubscribe: <https://lists.example.org/u/%d>" % n,
                    "List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
    if small:
        text = "\r\n".join(paragraph(rng, 14) for _ in range(rng.randint(10, 30)))
        return ("\r\n".join(headers) + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
                text + "\r\n").encode()
    text = "\r\n".join(paragraph(rng, 14) for _ in range(rng.randint(15, 150)))
    alt = ("--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text +
           "\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>" +
           text.replace("\r\n", "</p><p>") + "</p>\r\n--alt--\r\n")
    logo = repeats is not None and repeats.random() < 0.125
    logo_part = ""
    if logo:
        logo_data = base64.encodebytes(LOGOS[n % 97 % len(LOGOS)]).decode().replace("\n", "\r\n")
        logo_part = ("--mix\r\nContent-Type: image/png\r\nContent-Disposition: inline; "
                     "filename=\"logo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + logo_data)
    if rng.random() < 0.10:
        name, ctype, raw = attachment(rng, n)  # drawn always: the main generator's sequence stays
        if repeats is not None and sent and repeats.random() < 1 / 3:
            name, ctype, raw = sent[repeats.randrange(len(sent))]
        elif sent is not None:
            sent.append((name, ctype, raw))
        data = base64.encodebytes(raw).decode().replace("\n", "\r\n")
        body = ("Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n--mix\r\n"
                "Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" + alt +
                f"--mix\r\nContent-Type: {ctype}\r\nContent-Disposition: attachment; "
                f"filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + data +
                logo_part + "--mix--\r\n")
    elif logo:
        body = ("Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n--mix\r\n"
                "Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" + alt +
                logo_part + "--mix--\r\n")
    else:
        body = "Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" + alt
    return ("\r\n".join(headers) + "\r\n" + body).encode()


def maildir_of(server_dir, folder):
    base = os.path.join(server_dir, "home", "alice", "Maildir")
    return base if folder == "INBOX" else os.path.join(base, "." + folder.replace("/", "."))


def generate(server_dir, first, count, seed, owner, folders=FOLDERS, small=False):
    """Writes messages first..first+count-1 straight into the Maildir; returns bytes written."""
    rng = random.Random(seed)
    repeats = random.Random(seed + 7919)
    sent = []
    total = 0
    for n in range(first, first + count):
        folder = folders[n % len(folders)]
        d = maildir_of(server_dir, folder)
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        msg = make_message(rng, n, folder, small, repeats, sent)
        flags = "S" if n % 3 else ""
        name = f"{1700000000 + n}.M{n}P1.bench,S={len(msg)}:2,{flags}"
        with open(os.path.join(d, "cur", name), "wb") as f:
            f.write(msg)
        total += len(msg)
    base = os.path.join(server_dir, "home", "alice", "Maildir")
    subs = os.path.join(base, "subscriptions")
    known = open(subs).read().split("\n") if os.path.exists(subs) else []
    with open(subs, "w") as f:
        f.write("\n".join(sorted(set(known + list(folders)) - {""})) + "\n")
    if owner:
        subprocess.run(["chown", "-R", owner, os.path.join(server_dir, "home")], check=True)
    return total


# ---------------------------------------------------------------- the floor client

class Floor:
    """The least an IMAP client can do: log in, one UID FETCH per folder, discard the bytes."""

    def __init__(self, port, ca_file, password):
        ctx = ssl.create_default_context(cafile=ca_file)
        raw = socket.create_connection(("127.0.0.1", port))
        self.sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        self.buf = b""
        self.tag = 0
        self.line()  # greeting
        self.command(f'LOGIN alice "{password}"')

    def fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def skip(self, n):
        while n > 0:
            if not self.buf:
                self.fill()
            take = min(n, len(self.buf))
            self.buf = self.buf[take:]
            n -= take

    def command(self, text):
        """Sends a command; returns (untagged lines, bytes of literals skipped)."""
        self.tag += 1
        tag = b"B%d" % self.tag
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        lines, skipped = [], 0
        while True:
            line = self.line()
            while line.endswith(b"}") and b"{" in line:  # a literal: discard its bytes
                n = int(line[line.rindex(b"{") + 1:-1])
                self.skip(n)
                skipped += n
                line = self.line()
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise RuntimeError(line.decode(errors="replace"))
                return lines, skipped
            lines.append(line)

    def fetch_all(self, since_uid=None, folders=FOLDERS):
        total = 0
        for folder in folders:
            self.command(f'EXAMINE "{folder}"')
            first = since_uid.get(folder, 1) if since_uid else 1
            _, n = self.command(f"UID FETCH {first}:* BODY.PEEK[]")
            total += n
        self.command("LOGOUT")
        return total

    def uidnext(self, folders=FOLDERS):
        out = {}
        for folder in folders:
            lines, _ = self.command(f'STATUS "{folder}" (UIDNEXT)')
            out[folder] = int(lines[-1].split(b"UIDNEXT ")[1].split(b")")[0])
        self.command("LOGOUT")
        return out


# ---------------------------------------------------------------- RTT relay

class DelayRelay:
    """TCP relay that holds every chunk for half the round trip in each direction."""

    def __init__(self, target_port, rtt_ms):
        self.target = target_port
        self.delay = rtt_ms / 2000.0
        self.loop = asyncio.new_event_loop()
        self.port = None
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait()

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)

        async def pipe(reader, writer):
            # A delay line, not a rate limit: reading goes on while earlier chunks wait, and
            # each chunk leaves `delay` after it arrived, in order.
            queue = asyncio.Queue()

            async def read_side():
                try:
                    while True:
                        data = await reader.read(1 << 16)
                        await queue.put((self.loop.time() + self.delay, data))
                        if not data:
                            break
                except (ConnectionError, OSError):
                    await queue.put((self.loop.time(), b""))

            async def write_side():
                try:
                    while True:
                        due, data = await queue.get()
                        await asyncio.sleep(max(0, due - self.loop.time()))
                        if not data:
                            break
                        writer.write(data)
                        await writer.drain()
                except (ConnectionError, OSError):
                    pass
                finally:
                    writer.close()

            await asyncio.gather(read_side(), write_side())

        async def handle(cr, cw):
            sr, sw = await asyncio.open_connection("127.0.0.1", self.target)
            await asyncio.gather(pipe(cr, sw), pipe(sr, cw))

        async def start():
            server = await asyncio.start_server(handle, "127.0.0.1", 0)
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            await server.serve_forever()

        self.loop.run_until_complete(start())


# ---------------------------------------------------------------- measuring

def measure(cmd, env=None, stderr_path=None):
    """Runs cmd under GNU time: (wall s, cpu s, peak RSS MB). Its stderr goes to stderr_path
    (appended) when given, else nowhere."""
    fd, stats = tempfile.mkstemp()
    os.close(fd)
    start = time.monotonic()
    err = open(stderr_path, "ab") if stderr_path else subprocess.DEVNULL
    try:
        subprocess.run(["/usr/bin/time", "-o", stats, "-f", "%U %S %M"] + cmd, check=True,
                       stdout=subprocess.DEVNULL, stderr=err, env=env)
    finally:
        if stderr_path:
            err.close()
    wall = time.monotonic() - start
    user, system, rss_kb = open(stats).read().split()[-3:]
    os.unlink(stats)
    return wall, float(user) + float(system), int(rss_kb) / 1024.0


def fts_size(db):
    """(index.sqlite bytes, bytes of the full-text index's tables, bytes of `bodies`)."""
    import sqlite3
    con = sqlite3.connect(db)
    try:
        pages = dict(con.execute(
            "SELECT CASE WHEN name LIKE 'messages_fts%' THEN 'fts' ELSE name END, SUM(pgsize) "
            "FROM dbstat GROUP BY 1").fetchall())
    except sqlite3.OperationalError:  # an SQLite without the dbstat table
        pages = {}
    finally:
        con.close()
    return os.path.getsize(db), pages.get("fts"), pages.get("bodies")


def disk_bytes(path):
    """Bytes of the files under `path`, each inode once (hard links to one attachment-store file
    count once), as `du --apparent-size` counts them."""
    seen, total = set(), 0
    for d, _, files in os.walk(path):
        for name in files:
            st = os.lstat(os.path.join(d, name))
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


def median_of(runs):
    return tuple(statistics.median(r[i] for r in runs) for i in range(3))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=20000)
    ap.add_argument("--rtt-ms", type=float, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--scale", type=int, default=0,
                    help="also time no-change runs after growing the account to this many messages")
    ap.add_argument("--big-mb", type=int, default=200,
                    help="peak RSS of exporting one message of this size (0: skip)")
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--root", required=True)
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="imapmirror-bench-")
    os.chmod(work, 0o755)  # Dovecot's unprivileged processes must reach the server directory
    server = os.path.join(work, "server")
    port = 30000 + random.randrange(10000) * 2
    subprocess.run([os.path.join(a.root, "scripts/test-server"), "start", server, str(port)], check=True,
                   stdout=subprocess.DEVNULL)
    try:
        owner = "nobody:nogroup" if os.geteuid() == 0 else None
        log(f"generating {a.messages} messages in {len(FOLDERS)} folders")
        total_bytes = generate(server, 0, a.messages, 1, owner)
        doveadm = ["doveadm", "-c", os.path.join(server, "dovecot.conf")]
        subprocess.run(doveadm + ["mailbox", "status", "-u", "alice", "messages", "*"], check=True,
                       stdout=subprocess.DEVNULL)  # Dovecot indexes the Maildir now, not in a timed run
        password = open(os.path.join(server, "password")).read().strip()
        ca = os.path.join(server, "ca.pem")
        tls_port = port + 1
        relay = DelayRelay(tls_port, a.rtt_ms) if a.rtt_ms > 0 else None
        client_port = relay.port if relay else tls_port
        conn = ["--host", "127.0.0.1", "--port", str(client_port), "--user", "alice", "--ca-file", ca,
                "--password-file", os.path.join(server, "password"), "--quiet",
                "--connections", str(a.connections)]
        # Outputs are deleted only at the end: this machine's root file system is ext4 without a
        # journal, where creating files soon after deleting many makes the kernel's inode
        # allocator skip "recently deleted" inodes one by one (20% of an export's CPU in perf).
        mb = total_bytes / 1e6
        results = {}

        def floor_run(since=None):
            start = time.monotonic()
            cpu0 = time.process_time()
            Floor(client_port, ca, password).fetch_all(since)
            return time.monotonic() - start, time.process_time() - cpu0, 0.0

        def repeat(name, fn):
            runs = [fn() for _ in range(a.repeat)]
            results[name] = median_of(runs)
            log(f"{name}: {results[name][0]:.2f} s")

        # Cold runs (each into a fresh directory).
        repeat("floor cold", floor_run)

        cold_archives = []  # kept for the restore below: each holds the account as generated

        def imm_cold():
            out = os.path.join(work, "imm-%d" % random.randrange(1 << 30))
            r = measure([a.binary, "export", "--out", out] + conn)
            cold_archives.append(out)
            return r
        repeat("imapmirror cold", imm_cold)

        # The same without body text (export --no-bodies): what reading bodies into the search
        # index costs (issue 13: at most 1.15x). The index sizes of the last run of each.
        index_sizes = {}
        disk = {}  # archive bytes per byte of mail, by mode

        def imm_cold_sized(name, extra):
            def run():
                out = os.path.join(work, "imm-%d" % random.randrange(1 << 30))
                r = measure([a.binary, "export", "--out", out] + extra + conn)
                index_sizes[name] = fts_size(os.path.join(out, "index.sqlite"))
                disk[name] = disk_bytes(out) / total_bytes
                shutil.rmtree(out, ignore_errors=True)
                return r
            return run
        repeat("imapmirror cold, no bodies", imm_cold_sized("no bodies", ["--no-bodies"]))
        # Without attachment text (--no-attachment-text): what reading PDFs and documents into
        # the search index costs (issue 24: at most 1.2x).
        repeat("imapmirror cold, no att. text",
               imm_cold_sized("no att. text", ["--no-attachment-text"]))
        index_sizes["bodies"] = None
        repeat("imapmirror cold, bodies", imm_cold_sized("bodies", []))
        # Disk per mode (issue 25: defaults <= 1.5x the mail): --attachments none timed like the
        # others, --msg once (its conversion is not what the steps above measure).
        repeat("imapmirror cold, no attach.", imm_cold_sized("attachments none",
                                                             ["--attachments", "none"]))
        imm_cold_sized("msg", ["--msg"])()

        mbsync_rc = os.path.join(work, "mbsyncrc")

        def write_mbsyncrc(maildir):
            with open(mbsync_rc, "w") as f:
                f.write(f"""IMAPAccount bench
Host localhost
Port {client_port}
User alice
PassCmd "cat {os.path.join(server, 'password')}"
SSLType IMAPS
CertificateFile {ca}

IMAPStore remote
Account bench

MaildirStore local
Path {maildir}/
Inbox {maildir}/INBOX
SubFolders Verbatim

Channel bench
Far :remote:
Near :local:
Patterns *
Create Near
Sync Pull
SyncState *
""")

        def mbsync_cold():
            maildir = os.path.join(work, "mbsync-%d" % random.randrange(1 << 30))
            os.makedirs(maildir)
            write_mbsyncrc(maildir)
            r = measure(["mbsync", "-q", "-c", mbsync_rc, "-a"])
            disk["mbsync"] = disk_bytes(maildir) / total_bytes
            return r
        repeat("mbsync cold", mbsync_cold)

        # Keep one archive of each for the incremental runs.
        imm_out = os.path.join(work, "imm-archive")
        subprocess.run([a.binary, "export", "--out", imm_out] + conn, check=True)
        mbs_dir = os.path.join(work, "mbsync-archive")
        os.makedirs(mbs_dir)
        write_mbsyncrc(mbs_dir)
        subprocess.run(["mbsync", "-q", "-c", mbsync_rc, "-a"], check=True)

        repeat("imapmirror no-change", lambda: measure([a.binary, "export", "--out", imm_out] + conn))
        repeat("mbsync no-change", lambda: measure(["mbsync", "-q", "-c", mbsync_rc, "-a"]))

        # +1%: new mail arrives between runs; each step gets its own fresh batch.
        added = max(1, a.messages // 100)
        next_n = [a.messages]

        def add_mail():
            before = Floor(client_port, ca, password).uidnext()
            generate(server, next_n[0], added, next_n[0], owner)
            next_n[0] += added
            subprocess.run(doveadm + ["mailbox", "status", "-u", "alice", "messages", "*"], check=True,
                           stdout=subprocess.DEVNULL)
            return before

        def floor_inc():
            since = add_mail()
            return floor_run(since)

        def imm_inc():
            add_mail()
            return measure([a.binary, "export", "--out", imm_out] + conn)

        def mbsync_inc():
            add_mail()
            return measure(["mbsync", "-q", "-c", mbsync_rc, "-a"])
        repeat("floor +1%", floor_inc)
        repeat("imapmirror +1%", imm_inc)
        repeat("mbsync +1%", mbsync_inc)

        # No-change runs must not grow with the account: grow it (small messages in 10 more
        # folders: only the count matters), bring both archives up to date, time again.
        if a.scale > next_n[0]:
            grow = a.scale - next_n[0]
            scale_folders = [f"Scale/{i}" for i in range(10)]
            log(f"growing the account by {grow} small messages to {a.scale}")
            generate(server, next_n[0], grow, next_n[0], owner, scale_folders, small=True)
            next_n[0] += grow
            subprocess.run(doveadm + ["mailbox", "status", "-u", "alice", "messages", "*"], check=True,
                           stdout=subprocess.DEVNULL)
            subprocess.run([a.binary, "export", "--out", imm_out] + conn, check=True)
            subprocess.run(["mbsync", "-q", "-c", mbsync_rc, "-a"], check=True)
            repeat(f"imapmirror no-change @{a.scale // 1000}k",
                   lambda: measure([a.binary, "export", "--out", imm_out] + conn))
            repeat(f"mbsync no-change @{a.scale // 1000}k",
                   lambda: measure(["mbsync", "-q", "-c", mbsync_rc, "-a"]))

        # Memory must not grow with a message: one of --big-mb MB, alone in its folder.
        if a.big_mb > 0:
            log(f"writing one {a.big_mb} MB message")
            d = maildir_of(server, "Big")
            for sub in ("cur", "new", "tmp"):
                os.makedirs(os.path.join(d, sub), exist_ok=True)
            raw = random.Random(5).randbytes(a.big_mb * 1_000_000 * 3 // 4)
            data = base64.encodebytes(raw).replace(b"\n", b"\r\n")
            del raw
            msg = (b"From: big@example.org\r\nTo: alice@example.org\r\nSubject: big\r\n"
                   b"Message-ID: <big@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: "
                   b"multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
                   b"see attachment\r\n--b\r\nContent-Type: application/octet-stream\r\n"
                   b"Content-Disposition: attachment; filename=\"big.bin\"\r\n"
                   b"Content-Transfer-Encoding: base64\r\n\r\n" + data + b"--b--\r\n")
            del data
            with open(os.path.join(d, "cur", f"1800000000.Mbig.bench,S={len(msg)}:2,"), "wb") as f:
                f.write(msg)
            big_mb = len(msg) / 1e6
            del msg
            if owner:
                subprocess.run(["chown", "-R", owner, os.path.join(server, "home")], check=True)
            subprocess.run(doveadm + ["mailbox", "status", "-u", "alice", "messages", "Big"], check=True,
                           stdout=subprocess.DEVNULL)
            out = os.path.join(work, "imm-big")
            results[f"imapmirror {big_mb:.0f} MB msg"] = measure(
                [a.binary, "export", "--out", out, "--include", "Big"] + conn)

        # Restore (issue 23): a cold export's archive back into the same Dovecot, each run below
        # a fresh --into prefix, so every message is appended. Last, since it grows the account
        # the export steps above measure. Target: at least half as fast as the cold export.
        def imm_restore():
            into = "Restored%d" % random.randrange(1 << 30)
            return measure([a.binary, "restore", cold_archives[-1], "--into", into] + conn)
        repeat("imapmirror restore cold", imm_restore)

        rows = []
        for name, (wall, cpu, rss) in results.items():
            msgs = a.messages if "cold" in name else added if "+1%" in name else 1 if "MB msg" in name else 0
            rows.append({"step": name, "seconds": round(wall, 3), "messages_per_s": round(msgs / wall, 1) if msgs else None,
                         "mb_per_s": round(mb / wall, 1) if "cold" in name else
                         round(big_mb / wall, 1) if "MB msg" in name else None,
                         "cpu_s": round(cpu, 2), "peak_rss_mb": round(rss, 1) if rss else None})
        ratios = {
            "imapmirror/floor cold": results["imapmirror cold"][0] / results["floor cold"][0],
            "imapmirror/mbsync cold": results["imapmirror cold"][0] / results["mbsync cold"][0],
            "imapmirror/mbsync no-change": results["imapmirror no-change"][0] / results["mbsync no-change"][0],
            "imapmirror/floor +1%": results["imapmirror +1%"][0] / results["floor +1%"][0],
            "restore/export cold (<= 2)": results["imapmirror restore cold"][0] /
            results["imapmirror cold"][0],
            "bodies/no bodies cold": results["imapmirror cold, bodies"][0] /
            results["imapmirror cold, no bodies"][0],
            "att. text/none cold": results["imapmirror cold, bodies"][0] /
            results["imapmirror cold, no att. text"][0],
        }
        report = {"messages": a.messages, "megabytes": round(mb, 1), "folders": len(FOLDERS),
                  "rtt_ms": a.rtt_ms, "repeat": a.repeat, "rows": rows,
                  "ratios": {k: round(v, 2) for k, v in ratios.items()},
                  "index_bytes": {k: {"file": v[0], "fts": v[1], "bodies": v[2]}
                                  for k, v in index_sizes.items() if v},
                  "disk_per_mail_byte": {k: round(v, 3) for k, v in disk.items()}}
        if a.json:
            print(json.dumps(report, indent=2))
        else:
            print(f"\n{a.messages} messages, {mb:.0f} MB, {len(FOLDERS)} folders, TLS on 127.0.0.1"
                  f"{', RTT %g ms' % a.rtt_ms if a.rtt_ms else ''}; medians of {a.repeat}\n")
            print(f"{'step':<27} {'wall s':>8} {'msg/s':>9} {'MB/s':>7} {'CPU s':>7} {'peak RSS MB':>12}")
            for r in rows:
                def f(v, fmt):
                    width = int(fmt.lstrip(">").split(".")[0])
                    return format(v, fmt) if v is not None else "-".rjust(width)
                print(f"{r['step']:<27} {r['seconds']:>8.2f} {f(r['messages_per_s'], '>9.0f')} "
                      f"{f(r['mb_per_s'], '>7.1f')} {r['cpu_s']:>7.2f} {f(r['peak_rss_mb'], '>12.1f')}")
            print()
            for k, v in ratios.items():
                print(f"{k:<30} {v:6.2f}x")
            shown = {"bodies": "imapmirror (defaults: --attachments files)",
                     "attachments none": "imapmirror --attachments none",
                     "no bodies": "imapmirror --no-bodies", "msg": "imapmirror --msg",
                     "mbsync": "mbsync (Maildir)"}
            print(f"\ndisk, bytes per byte of mail ({mb:.0f} MB; hard links counted once)")
            for k in ("bodies", "attachments none", "no bodies", "msg", "mbsync"):
                if k in disk:
                    print(f"  {shown[k]:<45} {disk[k]:5.2f}x")
            for k, v in index_sizes.items():
                if v:
                    mbs = lambda b: "-" if b is None else f"{b / 1e6:.1f} MB"
                    print(f"index.sqlite, {k:<10} {mbs(v[0])} (full-text index {mbs(v[1])}, "
                          f"bodies {mbs(v[2])})")
    finally:
        subprocess.run([os.path.join(a.root, "scripts/test-server"), "stop", server], stdout=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
