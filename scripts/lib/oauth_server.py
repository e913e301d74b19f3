#!/usr/bin/env python3
"""A small OAuth2 authorization server for tests: the endpoints imapmirror uses at Microsoft
and Google, and the introspection endpoint Dovecot's oauth2 passdb asks (RFC 7662).

    oauth_server.py --port-file FILE [--user alice] [--access-ttl 3600] [--interval 1]

Listens on 127.0.0.1 (an ephemeral port, written to FILE once listening). Endpoints:
  POST /devicecode   RFC 8628 3.1: device_code, user_code, verification_uri, interval
  GET  /authorize    RFC 6749 4.1 + RFC 7636: redirects to redirect_uri with code and state
                     (no user interaction: the "browser" is approved at once)
  POST /token        grant types device_code (RFC 8628 3.4: authorization_pending until
                     approve_after polls, slow_down when polled faster than the interval),
                     authorization_code (checks the PKCE code_verifier, S256) and
                     refresh_token (rotates the refresh token when `rotate`)
  POST /introspect   RFC 7662: {"active": true, "username": USER} for a live access token
  POST /control      form or JSON: access_ttl, rotate, approve_after, interval,
                     device_script (errors for the next device polls, comma-separated), revoke (all
                     grants), expire (all access tokens now), token_delay (seconds each /token
                     request waits first, to make two clients overlap), echo_refresh (refresh
                     fails with an error_description echoing the refresh token), user_code and
                     verification_uri (what /devicecode answers: hostile text); answers the
                     counters, every token issued and the live refresh tokens (GET /control too)
Everything is in memory; the server exits on SIGTERM.
"""

import argparse
import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
RETIRED = []  # refresh tokens replaced by rotation: dead, but still secrets
STATE = {
    "user": "alice",
    "access_ttl": 3600,
    "interval": 1,
    "rotate": True,
    "approve_after": 1,  # polls answered authorization_pending before the device is approved
    "device_script": [],  # errors the next device polls get first (slow_down, expired_token...)
    "token_delay": 0.0,
    "echo_refresh": False,
    "user_code": "TEST-CODE",
    "verification_uri": None,  # None: this server's /device
    "access": {},  # access token -> {"expires": t, "grant": id}
    "refresh": {},  # refresh token -> grant id
    "grants": {},  # grant id -> {"revoked": bool}
    "devices": {},  # device_code -> {"polls": n, "last": t, "used": bool}
    "codes": {},  # authorization code -> {"challenge", "redirect_uri", "used"}
    "counters": {"device_polls": 0, "slow_down": 0, "refreshes": 0, "rotations": 0,
                 "introspections": 0, "introspections_inactive": 0, "codes": 0},
}


def new_grant():
    gid = secrets.token_hex(8)
    STATE["grants"][gid] = {"revoked": False}
    return gid


def issue(gid, refresh=None):
    """Tokens for grant `gid`: a new access token, and a new refresh token unless `refresh`
    is kept (no rotation)."""
    access = "at-" + secrets.token_urlsafe(24)
    STATE["access"][access] = {"expires": time.time() + STATE["access_ttl"], "grant": gid}
    if refresh is None:
        refresh = "rt-" + secrets.token_urlsafe(24)
        STATE["refresh"][refresh] = gid
    return {"access_token": access, "token_type": "Bearer", "expires_in": STATE["access_ttl"],
            "refresh_token": refresh, "scope": "imap offline_access"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: tests read only what they ask for
        pass

    def reply(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def form(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode() if n else ""
        if self.headers.get("Content-Type", "").startswith("application/json"):
            return json.loads(raw or "{}")
        return {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        with LOCK:
            if url.path == "/authorize":
                return self.authorize(q)
            if url.path == "/control":
                return self.reply(200, self.report())
        self.reply(404, {"error": "not_found"})

    def do_POST(self):
        path = urllib.parse.urlparse(self.path).path
        f = self.form()
        if path == "/token" and STATE["token_delay"]:
            time.sleep(STATE["token_delay"])
        with LOCK:
            if path == "/devicecode":
                code = secrets.token_urlsafe(16)
                STATE["devices"][code] = {"polls": 0, "last": 0.0, "used": False}
                return self.reply(200, {
                    "device_code": code, "user_code": STATE["user_code"],
                    "verification_uri": STATE["verification_uri"]
                    or "http://127.0.0.1:%d/device" % self.server.server_port,
                    "expires_in": 900, "interval": STATE["interval"],
                    "message": "approved automatically by the test server"})
            if path == "/token":
                return self.token(f)
            if path == "/introspect":
                return self.introspect(f)
            if path == "/control":
                return self.control(f)
        self.reply(404, {"error": "not_found"})

    def authorize(self, q):
        for k in ("redirect_uri", "state", "code_challenge", "client_id"):
            if not q.get(k):
                return self.reply(400, {"error": "invalid_request", "missing": k})
        if q.get("code_challenge_method") != "S256":
            return self.reply(400, {"error": "invalid_request", "why": "S256 only"})
        code = "code-" + secrets.token_urlsafe(12)
        STATE["codes"][code] = {"challenge": q["code_challenge"],
                                "redirect_uri": q["redirect_uri"], "used": False}
        STATE["counters"]["codes"] += 1
        target = q["redirect_uri"] + "?" + urllib.parse.urlencode(
            {"code": code, "state": q["state"]})
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def token(self, f):
        grant = f.get("grant_type", "")
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            dev = STATE["devices"].get(f.get("device_code", ""))
            if dev is None or dev["used"]:
                return self.reply(400, {"error": "expired_token"})
            now = time.time()
            STATE["counters"]["device_polls"] += 1
            too_fast = dev["last"] and now - dev["last"] < STATE["interval"] - 0.05
            dev["last"] = now
            if too_fast:
                STATE["counters"]["slow_down"] += 1
                return self.reply(400, {"error": "slow_down"})
            if STATE["device_script"]:
                return self.reply(400, {"error": STATE["device_script"].pop(0)})
            dev["polls"] += 1
            if dev["polls"] <= STATE["approve_after"]:
                return self.reply(400, {"error": "authorization_pending"})
            dev["used"] = True
            return self.reply(200, issue(new_grant()))
        if grant == "authorization_code":
            c = STATE["codes"].get(f.get("code", ""))
            if c is None or c["used"] or c["redirect_uri"] != f.get("redirect_uri"):
                return self.reply(400, {"error": "invalid_grant"})
            verifier = f.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            if digest.rstrip(b"=").decode() != c["challenge"]:
                return self.reply(400, {"error": "invalid_grant", "why": "PKCE"})
            c["used"] = True
            return self.reply(200, issue(new_grant()))
        if grant == "refresh_token":
            rt = f.get("refresh_token", "")
            if STATE["echo_refresh"]:
                return self.reply(400, {"error": "invalid_request", "error_description":
                                        "cannot parse grant_type=refresh_token&refresh_token="
                                        + urllib.parse.quote(rt, safe="") + " (" + rt + ")"})
            gid = STATE["refresh"].get(rt)
            if gid is None or STATE["grants"][gid]["revoked"]:
                return self.reply(400, {"error": "invalid_grant",
                                        "error_description": "AADSTS70000: revoked"})
            STATE["counters"]["refreshes"] += 1
            if STATE["rotate"]:
                del STATE["refresh"][rt]
                RETIRED.append(rt)
                STATE["counters"]["rotations"] += 1
                return self.reply(200, issue(gid))
            return self.reply(200, issue(gid, refresh=rt))
        self.reply(400, {"error": "unsupported_grant_type"})

    def introspect(self, f):
        STATE["counters"]["introspections"] += 1
        a = STATE["access"].get(f.get("token", ""))
        live = (a is not None and a["expires"] > time.time()
                and not STATE["grants"][a["grant"]]["revoked"])
        if not live:
            STATE["counters"]["introspections_inactive"] += 1
            return self.reply(200, {"active": "false"})
        return self.reply(200, {"active": "true", "username": STATE["user"]})

    def control(self, f):
        # Form values are strings: "true"/"1" are true, numbers are numbers.
        def flag(k):
            return str(f.get(k, "")).lower() in ("1", "true", "yes")
        for k in ("access_ttl", "approve_after", "interval"):
            if k in f:
                STATE[k] = int(f[k])
        if "rotate" in f:
            STATE["rotate"] = flag("rotate")
        if "echo_refresh" in f:
            STATE["echo_refresh"] = flag("echo_refresh")
        if "token_delay" in f:
            STATE["token_delay"] = float(f["token_delay"])
        for k in ("user_code", "verification_uri"):
            if k in f:
                STATE[k] = f[k] or None if k == "verification_uri" else f[k]
        if "device_script" in f:
            STATE["device_script"] = [e for e in f["device_script"].split(",") if e]
        if flag("revoke"):
            for g in STATE["grants"].values():
                g["revoked"] = True
        if flag("expire"):
            for a in STATE["access"].values():
                a["expires"] = 0
        self.reply(200, self.report())

    def report(self):
        """The counters, and every token ever issued (tests look for leaks of them)."""
        out = dict(STATE["counters"])
        out["tokens"] = sorted(list(STATE["access"]) + list(STATE["refresh"]) + RETIRED)
        out["live_refresh_tokens"] = sorted(
            rt for rt, g in STATE["refresh"].items() if not STATE["grants"][g]["revoked"])
        return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--user", default="alice")
    p.add_argument("--access-ttl", type=int, default=3600)
    p.add_argument("--interval", type=int, default=1)
    a = p.parse_args()
    STATE.update(user=a.user, access_ttl=a.access_ttl, interval=a.interval)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(a.port_file + ".tmp", "w") as out:
        out.write("%d\n" % srv.server_port)
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
