"""scripts/bench search: how long `imapmirror search` takes on a large archive.

  scripts/bench search [--messages N] [--repeat R] [--json] [--archive DIR]

Steps:
  1. generate N small messages (1-3 KB of text) straight into a private Dovecot's Maildir, in
     20 folders over five years, from 2,000 senders, their words drawn from a vocabulary of
     50,000 made-up words with Zipf's law (as in real text: a few words are in most messages,
     most words in few), so that a common word has a long list of hits and a rare one a short
     list, as in real mail;
  2. one cold export into a fresh archive (its time, the index's size per message);
  3. each query of QUERIES R times, as a user runs it (a new process each time): wall time
     p50 and p95 per query, and the p95 of all runs of the queries with a folder or date
     filter (issue 25's target: at most 300 ms at 1,000,000 messages), and each query's CPU
     time, which a busy machine changes less than the wall time.
The search prints 50 hits (the default), as a person at a terminal would see.

--archive DIR keeps the archive of steps 1-2 in DIR, and a later run given the same DIR (and
--messages) skips them: the words are drawn from a fixed seed, so the queries are the same.
"""

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

FOLDERS = ["INBOX", "Sent", "Drafts", "Archive"] + [f"Archive/{y}" for y in range(2020, 2025)] + \
    ["Lists", "Lists/dev", "Lists/announce", "Lists/users", "Work", "Work/Projects",
     "Work/Clients", "Family", "Travel", "Receipts", "Newsletters"]
START = 1577836800  # 2020-01-01
SPAN = 5 * 365 * 86400


def log(msg):
    print(f"search bench: {msg}", file=sys.stderr, flush=True)


def vocabulary(n, rng):
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"
    words = set()
    while len(words) < n:
        length = rng.randint(2, 5)
        words.add("".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(length)))
    return sorted(words)


class Zipf:
    """Draws word ranks 0..n-1 with probability proportional to 1/(rank+1)."""

    def __init__(self, n, rng):
        self.rng = rng
        self.cumulative = []
        total = 0.0
        for r in range(n):
            total += 1.0 / (r + 1)
            self.cumulative.append(total)
        self.total = total

    def draw(self):
        import bisect
        return bisect.bisect_left(self.cumulative, self.rng.random() * self.total)


def maildir_of(server_dir, folder):
    base = os.path.join(server_dir, "home", "alice", "Maildir")
    return base if folder == "INBOX" else os.path.join(base, "." + folder.replace("/", "."))


def generate(server_dir, count, words, zipf, rng, owner, first=0):
    """Messages first..first+count-1 straight into the Maildir; returns the bytes written."""
    for folder in FOLDERS:
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(maildir_of(server_dir, folder), sub), exist_ok=True)
    total = 0
    for n in range(first, first + count):
        folder = FOLDERS[n % len(FOLDERS)]
        sender = n * 7919 % 2000
        when = START + (n * 104729) % SPAN
        lines = [" ".join(words[zipf.draw()] for _ in range(12)) for _ in range(rng.randint(8, 25))]
        subject = " ".join(words[zipf.draw()] for _ in range(5))
        msg = ("\r\n".join([
            f"From: Person {sender} <person{sender}@example.org>",
            "To: alice@example.org",
            f"Subject: {subject}",
            time.strftime("Date: %a, %d %b %Y %H:%M:%S +0000", time.gmtime(when)),
            f"Message-ID: <search-{n}@example.org>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "",
        ]) + "\r\n" + "\r\n".join(lines) + "\r\n").encode()
        flags = "S" if n % 3 else ""
        name = f"{when}.M{n}P1.search,S={len(msg)}:2,{flags}"
        with open(os.path.join(maildir_of(server_dir, folder), "cur", name), "wb") as f:
            f.write(msg)
        total += len(msg)
    with open(os.path.join(server_dir, "home", "alice", "Maildir", "subscriptions"), "w") as f:
        f.write("\n".join(FOLDERS) + "\n")
    if owner:
        subprocess.run(["chown", "-R", owner, os.path.join(server_dir, "home")], check=True)
    return total


def queries(words):
    common, middle, rare = words[0], words[200], words[20000]
    return [
        # (name, arguments after DIR, has a folder or date filter)
        ("common word", [common], False),
        ("rare word", [rare], False),
        ("two words", [common, words[50]], False),
        ("phrase", [f'"{words[1]} {words[2]}"'], False),
        ("prefix", [middle[:3] + "*"], False),
        ("sender", ["from:person42@example.org"], False),
        ("relevance, common word", [common, "--sort", "relevance"], False),
        ("folder + common word", ["folder:Archive/2023", common], True),
        ("folder alone", ["--folder", "Work/Projects"], True),
        ("date range + word", ["after:2022-01-01", "before:2022-03-01", middle], True),
        ("date range alone", ["after:2023-06-01", "before:2023-06-08"], True),
        ("folder + date + rare", ["folder:INBOX", "after:2021-01-01", rare], True),
    ]


def percentile(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


def make_archive(a, server, port, archive, words, zipf, rng):
    """Steps 1 and 2: the generated account and its cold export. Returns (bytes, seconds)."""
    owner = "nobody:nogroup" if os.geteuid() == 0 else None
    log(f"generating {a.messages} messages in {len(FOLDERS)} folders")
    total = generate(server, a.messages, words, zipf, rng, owner)
    doveadm = ["doveadm", "-c", os.path.join(server, "dovecot.conf")]
    subprocess.run(doveadm + ["mailbox", "status", "-u", "alice", "messages", "*"], check=True,
                   stdout=subprocess.DEVNULL)
    log("exporting")
    start = time.monotonic()
    subprocess.run([a.binary, "export", "--out", archive, "--host", "127.0.0.1", "--port",
                    str(port + 1), "--user", "alice", "--ca-file", os.path.join(server, "ca.pem"),
                    "--password-file", os.path.join(server, "password"), "--quiet",
                    "--connections", "4"], check=True)
    return total, time.monotonic() - start


def archive_bytes(archive):
    """The size of the messages in a kept archive (what the account held)."""
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(archive)
               for f in files if f.endswith(".eml"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=200000)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--binary", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--archive", help="keep the archive here; reuse it if it is there")
    a = ap.parse_args()

    rng = random.Random(42)
    words = vocabulary(50000, rng)
    zipf = Zipf(len(words), rng)
    kept = os.path.abspath(a.archive) if a.archive else None
    work = tempfile.mkdtemp(prefix="imapmirror-search-bench-")
    os.chmod(work, 0o755)
    server = os.path.join(work, "server")
    archive = kept or os.path.join(work, "archive")
    reuse = kept is not None and os.path.exists(os.path.join(kept, "index.sqlite"))
    port = 30000 + random.randrange(10000) * 2
    if not reuse:
        subprocess.run([os.path.join(a.root, "scripts/test-server"), "start", server, str(port)],
                       check=True, stdout=subprocess.DEVNULL)
    try:
        if reuse:
            log(f"reusing the archive in {archive}")
            total, export_s = archive_bytes(archive), 0.0
        else:
            total, export_s = make_archive(a, server, port, archive, words, zipf, rng)
        index_bytes = sum(os.path.getsize(os.path.join(archive, f)) for f in os.listdir(archive)
                          if f.startswith("index.sqlite"))
        results = []
        filtered = []
        for name, args, has_filter in queries(words):
            runs, cpus = [], []
            hits = None
            for i in range(a.repeat):
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.monotonic()
                out = subprocess.run([a.binary, "search", archive] + args + ["--json"],
                                     capture_output=True, check=True)
                runs.append(time.monotonic() - t0)
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpus.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
                if i == 0:
                    doc = json.loads(out.stdout)
                    hits = doc.get("total") if isinstance(doc, dict) else None
            results.append({"query": name, "args": args, "total_hits": hits,
                            "p50_ms": round(statistics.median(runs) * 1000, 1),
                            "p95_ms": round(percentile(runs, 95) * 1000, 1),
                            "cpu_p50_ms": round(statistics.median(cpus) * 1000, 1)})
            if has_filter:
                filtered += runs
            log(f"{name}: p50 {results[-1]['p50_ms']} ms, p95 {results[-1]['p95_ms']} ms")
        report = {"messages": a.messages, "megabytes": round(total / 1e6, 1),
                  "export_s": round(export_s, 1), "index_bytes_per_message":
                  round(index_bytes / a.messages), "queries": results,
                  "filtered_p95_ms": round(percentile(filtered, 95) * 1000, 1)}
        if a.json:
            print(json.dumps(report, indent=2))
            return
        print(f"\n{a.messages} messages, {total / 1e6:.0f} MB, {len(FOLDERS)} folders; cold export "
              f"{export_s:.1f} s; index {index_bytes / a.messages:.0f} bytes per message; "
              f"{a.repeat} runs per query\n")
        print(f"{'query':<26} {'hits':>8} {'p50 ms':>8} {'p95 ms':>8} {'CPU p50 ms':>11}")
        for r in results:
            print(f"{r['query']:<26} {str(r['total_hits']):>8} {r['p50_ms']:>8.1f} "
                  f"{r['p95_ms']:>8.1f} {r['cpu_p50_ms']:>11.1f}")
        print(f"\np95 of the queries with a folder or date filter: {report['filtered_p95_ms']:.1f} ms")
    finally:
        if not reuse:
            subprocess.run([os.path.join(a.root, "scripts/test-server"), "stop", server],
                           stdout=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
