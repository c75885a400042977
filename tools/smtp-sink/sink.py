"""A real SMTP server for the tests (aiosmtpd): accepts mail and appends each message, as one
JSON line, to a log the tests read. Some recipients behave badly on purpose:
  bounce-…@  refused with 550 at RCPT (a permanent failure)
  flaky-…@   refused with 451 twice per address, then accepted (a transient failure)
Prints "READY host:port" once listening.
Usage: python sink.py --port 0 --log /tmp/mail.jsonl
"""
import argparse
import asyncio
import email
import email.policy
import json
import socket
import time
from collections import Counter

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, log_path):
        self.log_path = log_path
        self.flaky = Counter()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("bounce"):
            return "550 5.1.1 mailbox unavailable"
        if local.startswith("flaky"):
            self.flaky[address] += 1
            if self.flaky[address] <= 2:
                return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = {}
        for part in message.walk():
            kind = part.get_content_type()
            if kind in ("text/plain", "text/html"):
                parts[kind] = part.get_content()
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "message_id": message.get("Message-ID", ""),
            "subject": message.get("Subject", ""),
            "list_unsubscribe": message.get("List-Unsubscribe", ""),
            "list_unsubscribe_post": message.get("List-Unsubscribe-Post", ""),
            "text": parts.get("text/plain", ""),
            "html": parts.get("text/html", ""),
            "received_at": time.time(),
        }
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
        return "250 Message accepted"


def free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    port = args.port or free_port(args.host)
    open(args.log, "a").close()
    controller = Controller(Sink(args.log), hostname=args.host, port=port)
    controller.start()
    print(f"READY {args.host}:{port}", flush=True)
    try:
        asyncio.new_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
