#!/usr/bin/python3
"""Finds, in the mail the loopback SMTP sink captured (tests/clients/smtp_sink.py: n.eml +
n.json), the newest message to RECIPIENT and prints its first link whose path starts with
PATH, as JSON {"link", "subject", "from", "to"}. Waits up to --timeout seconds for it; exit 1
(with what was captured) when none came. The body is decoded as MIME (quoted-printable, base64,
charset), so a link folded by the transfer encoding is found whole.

Usage: mail_link.py DIR RECIPIENT PATH [--after N] [--timeout S]
  --after N: only messages numbered above N (mail sent before the step is ignored)
"""
import argparse
import email
import email.policy
import json
import os
import re
import sys
import time


def messages(directory):
    """(n, envelope, message) for every complete capture, newest first."""
    out = []
    for name in os.listdir(directory):
        if not name.endswith(".json"):
            continue
        n = int(name[:-5])
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            envelope = json.load(f)
        with open(os.path.join(directory, "%d.eml" % n), "rb") as f:
            message = email.message_from_binary_file(f, policy=email.policy.default)
        out.append((n, envelope, message))
    return sorted(out, key=lambda m: -m[0])


def text_of(message):
    parts = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("recipient")
    parser.add_argument("path")
    parser.add_argument("--after", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    pattern = re.compile(r"https?://[^\s<>\"']*?" + re.escape(args.path) + r"[^\s<>\"']*")
    deadline = time.monotonic() + args.timeout
    seen = []
    while True:
        seen = messages(args.directory) if os.path.isdir(args.directory) else []
        for n, envelope, message in seen:
            if n <= args.after:
                continue
            if args.recipient.lower() not in [r.lower() for r in envelope["rcpt_tos"]]:
                continue
            match = pattern.search(text_of(message))
            if match:
                print(json.dumps({"n": n, "link": match.group(0), "subject": str(message["Subject"]),
                                  "from": str(message["From"]), "to": str(message["To"])}))
                return 0
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    print("no mail to %s with a link to %s within %.0f s; captured: %s" % (
        args.recipient, args.path, args.timeout,
        [(n, e["rcpt_tos"], str(m["Subject"])) for n, e, m in seen]), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
