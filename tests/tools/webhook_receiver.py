#!/usr/bin/env python3
"""A webhook receiver for the tests (docs/WEBHOOKS.md), as an integrator
would write one: it checks each request's Standard Webhooks signature
(https://www.standardwebhooks.com/) with Python's hmac module, refuses a
bad or stale one (401), and takes each event once by its webhook-id.

Its behaviour is read from MODE_FILE at every request, so a test can
change it while the sender runs:
  ok        answer 200
  fail      answer 500
  hang S    take the event, then answer only after S seconds (longer
            than the sender's timeout: the sender gives up and retries)
Every request is a JSON line in LOG: path, id, ts, type, entry, data id,
sig_ok, mode, first (its id not seen before), status.

Usage: webhook_receiver.py SECRET_FILE MODE_FILE LOG PORT_FILE
"""
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

secret_file, mode_file, log_path, port_file = sys.argv[1:5]
secret = open(secret_file).read().strip()
assert secret.startswith('whsec_')
key = base64.b64decode(secret[len('whsec_'):])
seen = set()
lock = threading.Lock()
TOLERANCE_S = 300


def verify(msg_id, ts, body, header):
    """Standard Webhooks: HMAC-SHA256 over id.ts.body, any v1 matches."""
    if abs(time.time() - int(ts)) > TOLERANCE_S:
        return False
    signed = f'{msg_id}.{ts}.'.encode() + body
    want = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for sig in header.split(' '):
        version, _, value = sig.partition(',')
        if version == 'v1' and hmac.compare_digest(value.encode(), want):
            return True
    return False


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        msg_id = self.headers.get('webhook-id', '')
        ts = self.headers.get('webhook-timestamp', '0')
        ok = verify(msg_id, ts, body, self.headers.get('webhook-signature', ''))
        mode = open(mode_file).read().split()
        rec = {'path': self.path, 'id': msg_id, 'ts': int(ts),
               'sig_ok': ok, 'mode': mode[0],
               'event': self.headers.get('simpul-event')}
        status = 401 if not ok else 500 if mode[0] == 'fail' else 200
        if ok and mode[0] != 'fail':
            doc = json.loads(body)
            rec.update(type=doc['type'], entry=doc['entry'],
                       data_id=doc['data'].get('id'),
                       redacted=doc['data'].get('redacted', False),
                       reporter=doc['data'].get('reporter'))
            with lock:
                rec['first'] = msg_id not in seen
                seen.add(msg_id)
        rec['status'] = status
        with lock, open(log_path, 'a') as f:
            f.write(json.dumps(rec) + '\n')
        if mode[0] == 'hang':
            time.sleep(float(mode[1]))
        try:
            self.send_response(status)
            self.send_header('Content-Length', '0')
            self.end_headers()
        except OSError:
            pass  # the sender gave up waiting


server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
server.daemon_threads = True
with open(port_file + '.tmp', 'w') as f:
    f.write(str(server.server_address[1]))
import os  # noqa: E402
os.rename(port_file + '.tmp', port_file)
server.serve_forever()
