#!/usr/bin/env python3
"""How Python's email package (policy.default) reads messages: the oracle the corpus tests
compare imapmirror's header and body reading with (tests/unit/mime/python_oracle_test.cpp).

Reads message file paths on standard input, one a line; writes one JSON object a line:
  {"path", "subject", "from", "date", "body", "error"}
subject/from: str() of the header ("" when absent; From falls back to Sender), IDNA domains
(xn--) shown in Unicode as imapmirror shows them; date: the Date header in UTC as
"YYYY-MM-DDTHH:MM:SSZ" ("" when unreadable); body: the text of get_body(('plain', 'html')),
HTML reduced to its text (script and style dropped), "" when there is none; error: what
Python could not read, "" when all went well.
"""
import datetime
import email
import email.policy
import html.parser
import json
import re
import sys


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head", "title"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head", "title") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_text(markup):
    p = _Text()
    try:
        p.feed(markup)
        p.close()
    except Exception:  # a markup error costs the rest of the part, as in a browser
        pass
    return " ".join(p.parts)


_IDNA = re.compile(r"(?<=@)[^\s>,;\"()\[\]<]*xn--[^\s>,;\"()\[\]<]*", re.IGNORECASE)


def unicode_domains(text):
    def one(m):
        try:
            return m.group(0).encode("ascii").decode("idna")
        except Exception:
            return m.group(0)
    return _IDNA.sub(one, text)


def header(msg, name):
    value = msg.get(name)
    return "" if value is None else str(value)


def body_of(msg):
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except Exception:
        raw = part.get_payload(decode=True) or b""
        text = raw.decode("utf-8", "replace")
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        text = html_text(text)
    return text


def date_of(msg):
    try:
        value = msg.get("Date")
        dt = value.datetime if value is not None else None
    except Exception:
        return ""
    if dt is None or dt.tzinfo is None:
        return ""
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read(path):
    out = {"path": path, "subject": "", "from": "", "date": "", "body": "", "error": ""}
    try:
        with open(path, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
    except Exception as e:
        out["error"] = "parse: %s" % e
        return out
    for key, step in (("subject", lambda: header(msg, "Subject")),
                      ("from", lambda: unicode_domains(header(msg, "From") or
                                                       header(msg, "Sender"))),
                      ("date", lambda: date_of(msg)),
                      ("body", lambda: body_of(msg))):
        try:
            out[key] = step()
        except Exception as e:
            out["error"] += "%s: %s; " % (key, e)
    return out


def main():
    for line in sys.stdin:
        path = line.rstrip("\n")
        if path:
            text = json.dumps(read(path), ensure_ascii=False)
            sys.stdout.buffer.write(text.encode("utf-8", "replace") + b"\n")


if __name__ == "__main__":
    main()
