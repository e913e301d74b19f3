"""scripts/bench scale: imapmirror on an account of a million messages (issue 25's scale targets).

  scripts/bench scale [--messages N] [--repeat R] [--json]

Steps, against one private Dovecot over implicit TLS on 127.0.0.1:
  1. generate N small messages (search_bench's account: 20 folders over five years, words
     with Zipf's law) straight into the Maildir, and let Dovecot index them (untimed);
  2. the cold export: wall time, CPU time, peak RSS;
  3. the no-change night, R times (median);
  4. `imapmirror accounts` on a config naming the account, R times (median);
  5. 1% new messages: the raw-fetch floor of that 1% (bench.py's Floor), then the export that
     adds them, each once (a second time would find no new mail);
  6. search: search_bench's queries R times each, p50 and p95, and the p95 of those with a
     folder or date filter;
  7. `verify` and `reindex --all` of the whole archive: wall time and peak RSS;
  8. the index's bytes per message, and the archive's bytes per byte of mail.
Targets (issue 25, at 1,000,000 messages): no-change <= 1 s; +1% <= 1.5x its floor; peak RSS
< 64 MB throughout; accounts <= 0.2 s; filtered search p95 <= 300 ms.
Everything runs in a temporary directory, removed at the end.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (measure, Floor, disk_bytes)
import search_bench  # noqa: E402  (the account's generator and the queries)


def log(msg):
    print(f"scale bench: {msg}", file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1000000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--binary", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--no-reindex", action="store_true",
                    help="skip `reindex --all` (about as long as the cold export)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the server, archive and logs when a step fails, for a post-mortem")
    a = ap.parse_args()

    rng = random.Random(42)
    words = search_bench.vocabulary(50000, rng)
    zipf = search_bench.Zipf(len(words), rng)
    work = tempfile.mkdtemp(prefix="imapmirror-scale-bench-")
    os.chmod(work, 0o755)  # Dovecot's unprivileged processes must reach the server directory
    server = os.path.join(work, "server")
    archive = os.path.join(work, "archive")
    port = 30000 + random.randrange(10000) * 2
    subprocess.run([os.path.join(a.root, "scripts/test-server"), "start", server, str(port)],
                   check=True, stdout=subprocess.DEVNULL)
    results = {"messages": a.messages}
    errors = os.path.join(work, "stderr.log")  # what imapmirror said, for a failed step
    failed = False
    try:
        owner = "nobody:nogroup" if os.geteuid() == 0 else None
        doveadm = ["doveadm", "-c", os.path.join(server, "dovecot.conf")]

        def index_on_server():
            subprocess.run(doveadm + ["mailbox", "status", "-u", "alice", "messages", "*"],
                           check=True, stdout=subprocess.DEVNULL)

        t0 = time.monotonic()
        mail_bytes = search_bench.generate(server, a.messages, words, zipf, rng, owner)
        index_on_server()
        log(f"generated {a.messages} messages ({mail_bytes / 1e6:.0f} MB) in "
            f"{time.monotonic() - t0:.0f} s")
        ca = os.path.join(server, "ca.pem")
        password_file = os.path.join(server, "password")
        conn = ["--host", "127.0.0.1", "--port", str(port + 1), "--user", "alice", "--ca-file",
                ca, "--password-file", password_file, "--quiet"]
        export = [a.binary, "export", "--out", archive] + conn

        def record(name, runs):
            wall, cpu, rss = bench.median_of(runs)
            results[name] = {"wall_s": round(wall, 3), "cpu_s": round(cpu, 2),
                             "peak_rss_mb": round(rss, 1)}
            log(f"{name}: {wall:.2f} s, CPU {cpu:.2f} s, peak RSS {rss:.0f} MB")

        record("cold export", [bench.measure(export, stderr_path=errors)])
        record("no-change", [bench.measure(export, stderr_path=errors) for _ in range(a.repeat)])

        config = os.path.join(work, "config.toml")
        with open(config, "w") as f:
            f.write(f'[accounts.scale]\nhost = "127.0.0.1"\nport = {port + 1}\nuser = "alice"\n'
                    f'ca_file = "{ca}"\npassword_file = "{password_file}"\nout = "{archive}"\n')
        os.chmod(config, 0o600)
        record("accounts", [bench.measure([a.binary, "accounts", "--config", config], stderr_path=errors)
                            for _ in range(a.repeat)])

        # 1% new mail: the floor fetches exactly it, then the export adds it.
        added = max(1, a.messages // 100)
        folders = search_bench.FOLDERS
        floor = bench.Floor(port + 1, ca, open(password_file).read().strip())
        since = floor.uidnext(folders)
        search_bench.generate(server, added, words, zipf, rng, owner, first=a.messages)
        index_on_server()
        start = time.monotonic()
        bench.Floor(port + 1, ca, open(password_file).read().strip()).fetch_all(since, folders)
        results["floor +1%"] = {"wall_s": round(time.monotonic() - start, 3)}
        log(f"floor +1%: {results['floor +1%']['wall_s']:.2f} s")
        record("+1%", [bench.measure(export, stderr_path=errors)])

        queries, filtered = [], []
        for name, args, has_filter in search_bench.queries(words):
            runs = [bench.measure([a.binary, "search", archive] + args + ["--json"])[0]
                    for _ in range(a.repeat)]
            queries.append({"query": name, "p50_ms": round(statistics.median(runs) * 1000, 1),
                            "p95_ms": round(search_bench.percentile(runs, 95) * 1000, 1)})
            if has_filter:
                filtered += runs
            log(f"search {name}: p50 {queries[-1]['p50_ms']} ms")
        results["search"] = queries
        results["filtered search p95_ms"] = round(search_bench.percentile(filtered, 95) * 1000, 1)

        record("verify", [bench.measure([a.binary, "verify", archive, "--quiet"], stderr_path=errors)])
        if not a.no_reindex:
            record("reindex --all", [bench.measure([a.binary, "reindex", archive, "--all", "--quiet"],
                                              stderr_path=errors)])

        total = a.messages + added
        index_bytes = sum(os.path.getsize(os.path.join(archive, f)) for f in os.listdir(archive)
                          if f.startswith("index.sqlite"))
        results["index bytes per message"] = round(index_bytes / total)
        results["archive bytes per byte of mail"] = round(bench.disk_bytes(archive) / mail_bytes, 2)
    except subprocess.CalledProcessError as e:
        failed = True
        log(f"failed: {' '.join(e.cmd[5:7])} exited {e.returncode}; imapmirror said:")
        with open(errors, errors="replace") as f:
            sys.stderr.write("".join(f.readlines()[-40:]))
        raise
    finally:
        if failed and a.keep:
            log(f"kept {work} (the server still runs: scripts/test-server stop {server})")
        else:
            subprocess.run([os.path.join(a.root, "scripts/test-server"), "stop", server],
                           stdout=subprocess.DEVNULL)
            shutil.rmtree(work, ignore_errors=True)

    if a.json:
        print(json.dumps(results, indent=2))
        return
    print(f"\n{a.messages} messages; medians of {a.repeat} runs where repeated\n")
    print(f"{'step':<14} {'wall s':>9} {'CPU s':>9} {'peak RSS MB':>12}")
    for name in ("cold export", "no-change", "accounts", "floor +1%", "+1%", "verify", "reindex --all"):
        if name not in results:
            continue
        r = results[name]
        print(f"{name:<14} {r['wall_s']:>9.2f} {r.get('cpu_s', 0):>9.2f} "
              f"{r.get('peak_rss_mb', 0):>12.1f}")
    print(f"\n+1% / its floor: {results['+1%']['wall_s'] / results['floor +1%']['wall_s']:.2f}x")
    print(f"filtered search p95: {results['filtered search p95_ms']:.0f} ms")
    for q in results["search"]:
        print(f"  {q['query']:<26} p50 {q['p50_ms']:>7.1f} ms  p95 {q['p95_ms']:>7.1f} ms")
    print(f"index: {results['index bytes per message']} bytes per message; archive "
          f"{results['archive bytes per byte of mail']}x the mail")


if __name__ == "__main__":
    main()
