#!/usr/bin/env python3
"""Fuzzes a running simpul node's HTTP API (docs/API.md) over real TCP with
generated bad requests: broken JSON, wrong types, unknown fields, huge and
lying bodies, missing and wrong tokens, bad paths, methods and query
parameters, malformed HTTP, and slow (slowloris-style) partial requests,
interleaved with good reads that must keep being answered quickly.

Checks every reply: a refusal is a 4xx with the JSON error shape
{"error": {"code": ID, "message": ...}} (or, for a request too malformed to
reach the API, MHD's own 4xx), never a 5xx, never a hang, never a refused
connection; a read of /api/node always answers 200 within READ_DEADLINE_S.

usage: fuzz_http.py --port PORT --token TOKEN [--requests N] [--seed S]
                    [--report FILE]
Prints a summary; --report writes it as JSON (counts per status, the JSON
refusals, the ids of items the fuzz created). Exit 0 if every check held.
Standard library only.
"""
import argparse
import json
import random
import socket
import sys
import time

HOST = '127.0.0.1'
TIMEOUT_S = 20.0      # a complete request must be answered by then
READ_DEADLINE_S = 3.0  # a good read during the fuzz
BODY_MAX = 64 * 1024
KINDS = ['informasi', 'peringatan', 'aspirasi', 'pengaduan',
         'permintaan_informasi', 'tanggapan', 'status', 'revisi',
         'revisi_keputusan']
FIELDS = ['kind', 'to', 'title', 'text', 'category', 'tags', 'location',
          'level', 'until_ms', 'handler', 'anonim', 'rahasia', 'reporter',
          'report', 'after', 'step', 'note', 'method', 'result', 'agency',
          'verifier', 'item', 'reason', 'revisi', 'decision']
PATHS = ['/api/node', '/api/peers', '/api/items', '/metrics', '/',
         '/ui/app.js', '/api/items/%s', '/api/reports/%s/steps',
         '/api/reports/%s/responses', '/api/items/%s/revisions',
         '/api/revisions/%s/decision']


class Fuzz:
    def __init__(self, port, token, seed):
        self.port = port
        self.token = token
        self.rng = random.Random(seed)
        self.status = {}
        self.json_refusals = 0
        self.created = []
        self.problems = []
        self.sent = 0

    # ---- the wire -----------------------------------------------------------

    def exchange(self, raw, what, read=True):
        """Sends raw bytes on a new connection, reads the reply to EOF."""
        s = socket.create_connection((HOST, self.port), timeout=TIMEOUT_S)
        try:
            s.sendall(raw)
            if not read:
                return None
            chunks = []
            while True:
                try:
                    b = s.recv(65536)
                except ConnectionResetError:
                    break
                except socket.timeout:
                    if chunks:  # a kept-alive connection after its replies
                        break
                    raise
                if not b:
                    break
                chunks.append(b)
                s.settimeout(1.0)
            return b''.join(chunks)
        except socket.timeout:
            self.problem(what, 'no reply within %.0f s' % TIMEOUT_S)
            return None
        finally:
            s.close()

    def request(self, method, path, body=None, headers=None, token=True,
                ctype='application/json', what=None):
        h = {'Host': '127.0.0.1:%d' % self.port, 'Connection': 'close'}
        if token is True:
            h['Authorization'] = 'Bearer ' + self.token
        elif token:
            h['Authorization'] = token
        if body is not None:
            if ctype:
                h['Content-Type'] = ctype
            h['Content-Length'] = str(len(body))
        h.update(headers or {})
        head = '%s %s HTTP/1.1\r\n' % (method, path)
        head += ''.join('%s: %s\r\n' % kv for kv in h.items()) + '\r\n'
        raw = head.encode('latin-1') + (body or b'')
        return self.check(self.exchange(raw, what or method + ' ' + path),
                          what or method + ' ' + path)

    def check(self, reply, what):
        """Parses a reply; records problems. Returns (status, json or None)."""
        self.sent += 1
        if reply is None:
            return (None, None)
        if not reply.startswith(b'HTTP/1.'):
            self.problem(what, 'not an HTTP reply: %r' % reply[:60])
            return (None, None)
        head, _, body = reply.partition(b'\r\n\r\n')
        try:
            status = int(head.split(b' ', 2)[1])
        except (IndexError, ValueError):
            self.problem(what, 'bad status line %r' % head[:60])
            return (None, None)
        self.status[status] = self.status.get(status, 0) + 1
        if status >= 500 and status != 505:  # 505: the HTTP/9.9 junk
            self.problem(what, 'HTTP %d: %r' % (status, body[:200]))
        ctype = b''
        length = None
        for line in head.split(b'\r\n')[1:]:
            k, _, v = line.partition(b':')
            if k.strip().lower() == b'content-type':
                ctype = v.strip()
            if k.strip().lower() == b'content-length' and v.strip().isdigit():
                length = int(v.strip())
        if length is not None:
            # The first reply only: pipelined requests on a kept-alive
            # connection get theirs after it.
            body = body[:length]
        doc = None
        if ctype.startswith(b'application/json') and \
                not what.startswith('HEAD'):
            try:
                doc = json.loads(body)
            except ValueError:
                self.problem(what, 'JSON content type, body not JSON')
        if status >= 400 and not what.startswith('HEAD') and \
                not ctype.startswith(b'application/json'):
            # libmicrohttpd's own refusals (requests too malformed to reach
            # the API): HTML without a Content-Type; 0.9.75 sends their
            # status line and headers twice.
            own = body
            if own.startswith(b'HTTP/1.'):
                own = own.partition(b'\r\n\r\n')[2]
            if not own.startswith(b'<html>'):
                self.problem(what, 'a refusal as %r: %r' % (ctype, body[:80]))
        if status >= 400 and what.startswith('HEAD'):
            self.json_refusals += 1  # the same reply, without its body
        if status >= 400 and doc is not None:
            err = doc.get('error') if isinstance(doc, dict) else None
            if (not isinstance(err, dict) or
                    not isinstance(err.get('code'), str) or
                    not isinstance(err.get('message'), str)):
                self.problem(what, 'refusal without the error shape: %r' % doc)
            else:
                self.json_refusals += 1
        if status in (200, 201) and isinstance(doc, dict) and 'id' in doc \
                and what.startswith('POST'):
            self.created.append(doc['id'])
        return (status, doc)

    def problem(self, what, why):
        if len(self.problems) < 50:
            self.problems.append('%s: %s' % (what[:100], why))

    # ---- generators ---------------------------------------------------------

    def rid(self):
        return ''.join(self.rng.choice('0123456789abcdef') for _ in range(64))

    def rvalue(self, depth=0):
        r = self.rng.random()
        if r < 0.15:
            return self.rng.choice([None, True, False])
        if r < 0.3:
            return self.rng.choice([0, -1, 1, 2 ** 63, -2 ** 63, 2 ** 64 + 5,
                                    1.5, 1e308, -0.0])
        if r < 0.6 or depth > 2:
            return self.rng.choice(['', 'x', 'aspirasi', '36.04', 'tree:36.04',
                                    'path:36.04.12.2002:36.04', self.rid(),
                                    'é' * 50, '\u0001\u001f', 'a' * 300,
                                    'diverifikasi', 'valid', 'awas'])
        if r < 0.8:
            return [self.rvalue(depth + 1) for _ in range(self.rng.randint(0, 10))]
        return {self.rng.choice(FIELDS + ['x', '']): self.rvalue(depth + 1)
                for _ in range(self.rng.randint(0, 5))}

    def good_body(self):
        kind = self.rng.choice(KINDS)
        b = {'kind': kind}
        if kind in ('informasi', 'peringatan'):
            b.update(to='tree:36.04', title='fuzz', text='isi')
            if kind == 'peringatan':
                b['level'] = 'waspada'
        elif kind in ('aspirasi', 'pengaduan', 'permintaan_informasi'):
            b.update(handler='36.04', title='fuzz', text='isi', category='lainnya')
        elif kind in ('tanggapan',):
            b.update(report=self.rid(), text='x')
        elif kind == 'status':
            b.update(report=self.rid(), step='diverifikasi', method='m',
                     result='valid')
        elif kind == 'revisi':
            b.update(item=self.rid(), title='t', text='x', reason='r')
        else:
            b.update(revisi=self.rid(), decision='diterima')
        return b

    def mutate_json(self, data):
        b = bytearray(data)
        for _ in range(self.rng.randint(1, 4)):
            op = self.rng.random()
            pos = self.rng.randrange(len(b) + 1)
            if op < 0.3 and b:
                del b[min(pos, len(b) - 1)]
            elif op < 0.6:
                b[pos:pos] = bytes([self.rng.choice(b'{}[]",:\\\x00\xff0e-')])
            elif b:
                b[min(pos, len(b) - 1)] = self.rng.randrange(256)
        return bytes(b)

    def broken_json(self):
        r = self.rng.random()
        good = json.dumps(self.good_body()).encode()
        if r < 0.4:
            return self.mutate_json(good)
        if r < 0.5:
            return good[:self.rng.randrange(len(good))]
        if r < 0.6:
            n = self.rng.choice([100, 3000, 20000])
            return b'[' * n + b']' * n
        if r < 0.7:
            n = self.rng.choice([100, 3000, 20000])
            return b'{"a":' * n + b'1' + b'}' * n
        if r < 0.8:
            return bytes(self.rng.randrange(256)
                         for _ in range(self.rng.randint(0, 200)))
        if r < 0.9:
            return b'{"kind":"informasi","kind":"aspirasi"}'
        return self.rng.choice([b'', b'null', b'[]', b'"x"', b'1', b'{}',
                                b'{"title":"\\u0000"}', b'{"a":1}x'])

    def wrong_types(self):
        b = self.good_body()
        for _ in range(self.rng.randint(1, 3)):
            b[self.rng.choice(FIELDS)] = self.rvalue()
        return json.dumps(b).encode()

    def unknown_fields(self):
        b = self.good_body()
        for _ in range(self.rng.randint(1, 3)):
            b[self.rng.choice(['colour', 'x', '', 'Kind', 'title ', '__proto__',
                               'é', 'a' * 500, 'line\nFAKE-ID forged',
                               '\u00ff\ud7ff'])] = self.rvalue()
        return json.dumps(b, ensure_ascii=self.rng.random() < 0.5).encode()

    def path(self):
        p = self.rng.choice(PATHS)
        if '%s' in p:
            p = p % self.rng.choice([self.rid(), self.rid()[:10], '', 'x' * 200,
                                     '..', '%00', '%2e%2e', self.rid().upper(),
                                     '%ff%fe%0a%0d', 'caf%c3%a9', '%0aFAKE'])
        r = self.rng.random()
        if r < 0.2:
            p += self.rng.choice(['?limit=-1', '?limit=abc', '?limit=99999999999',
                                  '?kind=x', '?status=hilang', '?overdue=maybe',
                                  '?after=zz', '?colour=red', '?a=1&a=2',
                                  '?kind=aspirasi&limit=1', '?%zz'])
        elif r < 0.3:
            p = self.rng.choice(['/api', '/api/', '//api/node', '/api/node/',
                                 '/API/NODE', '/ui/', '/ui/../../etc/passwd',
                                 '/' + 'a' * 3000, '/api/items/' + 'f' * 64 + '/x',
                                 '*', 'http://evil/api/node', '/%ff%fe'])
        return p

    # ---- the scenarios ------------------------------------------------------

    def one(self):
        r = self.rng.random()
        if r < 0.25:
            self.request('POST', '/api/items', self.broken_json(),
                         what='POST broken json')
        elif r < 0.45:
            self.request('POST', '/api/items', self.wrong_types(),
                         what='POST wrong types')
        elif r < 0.55:
            self.request('POST', '/api/items', self.unknown_fields(),
                         what='POST unknown fields')
        elif r < 0.62:
            tok = self.rng.choice([None, 'Bearer', 'Bearer ', 'Bearer ' + self.rid(),
                                   'Basic dXNlcjpwYXNz', 'bearer ' + self.token,
                                   'Bearer ' + self.token[:-1],
                                   'Bearer ' + self.token + 'a',
                                   'Bearer ' + self.token.upper()])
            st, _ = self.request('POST', '/api/items',
                                 json.dumps(self.good_body()).encode(),
                                 token=tok, what='POST token %r' % (tok or '')[:20])
            if st is not None and st != 401 and tok != 'bearer ' + self.token:
                self.problem('token %r' % tok, 'HTTP %s, expected 401' % st)
        elif r < 0.72:
            method = self.rng.choice(['GET', 'POST', 'PUT', 'DELETE', 'PATCH',
                                      'OPTIONS', 'HEAD', 'TRACE', 'FOO'])
            body = None
            if method in ('POST', 'PUT', 'PATCH') or self.rng.random() < 0.1:
                body = self.rng.choice([self.wrong_types(), self.broken_json()])
            self.request(method, self.path(), body, what=method + ' fuzz path')
        elif r < 0.8:
            self.huge()
        elif r < 0.88:
            self.raw_http()
        else:
            for kind in ('POST steps', 'POST responses'):
                p = ('/api/reports/%s/steps' if 'steps' in kind
                     else '/api/reports/%s/responses') % self.rid()
                self.request('POST', p, self.rng.choice(
                    [self.wrong_types(), self.broken_json(),
                     json.dumps({'step': self.rvalue()}).encode(),
                     json.dumps({'text': self.rvalue()}).encode()]), what=kind)

    def huge(self):
        r = self.rng.random()
        if r < 0.3:  # announced, never sent: refused before reading
            raw = ('POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                   'Connection: close\r\nContent-Type: application/json\r\n'
                   'Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n'
                   % (self.token, self.rng.choice([BODY_MAX + 1, 10 ** 9,
                                                   2 ** 63, 10 ** 30]))).encode()
            st, _ = self.check(self.exchange(raw, 'huge announced'),
                               'POST huge announced')
            if st is not None and st not in (400, 413):
                self.problem('huge announced', 'HTTP %s, expected 413' % st)
        elif r < 0.6:
            body = b'{"kind":"informasi","text":"' + b'a' * (BODY_MAX + 100) + b'"}'
            st, _ = self.request('POST', '/api/items', body, what='POST huge sent')
            if st is not None and st != 413:
                self.problem('huge sent', 'HTTP %s, expected 413' % st)
        elif r < 0.8:
            body = b'{"kind":"informasi","to":"tree:36.04","title":"t","text":"' + \
                b'a' * (BODY_MAX - 60) + b'"}'
            self.request('POST', '/api/items', body[:BODY_MAX],
                         what='POST at the limit')
        else:
            raw = ('POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                   'Connection: close\r\nContent-Type: application/json\r\n'
                   'Authorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n\r\n'
                   '4\r\n{}  \r\n0\r\n\r\n' % self.token).encode()
            self.check(self.exchange(raw, 'chunked'), 'POST chunked')

    def raw_http(self):
        junk = self.rng.choice([
            b'GARBAGE\r\n\r\n',
            b'GET /api/node HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n',
            b'GET /api/node\r\n\r\n',
            b'GET /api/node HTTP/1.1\r\nHost: 127.0.0.1\r\nX: ' + b'a' * 70000 +
            b'\r\n\r\n',
            b'GET /api/node HTTP/1.1\r\n' + b'X-A: b\r\n' * 3000 + b'\r\n',
            b'GET /api/node HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n',
            b'POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n'
            b'Content-Type: application/json\r\nConnection: close\r\n\r\n',
            b'POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n'
            b'Content-Length: 6\r\nContent-Type: application/json\r\n\r\n{}{}{}',
            b'GET /api/node HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' * 20,
            b'GET /api/node HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'
            b'GET /%00 HTTP/1.1\r\n\r\n',
        ])
        reply = self.exchange(junk, 'raw')
        if reply:
            self.check(reply, 'raw %r' % junk[:30])

    def alive(self, what):
        t = time.monotonic()
        st, doc = self.request('GET', '/api/node', token=False,
                               what='GET /api/node (%s)' % what)
        dt = time.monotonic() - t
        if st != 200:
            self.problem('alive ' + what, 'HTTP %s' % st)
        elif dt > READ_DEADLINE_S:
            self.problem('alive ' + what, 'answered in %.1f s' % dt)
        return dt

    def slowloris(self, conns=24, secs=14):
        """Partial requests trickling in: the API must keep answering, and
        close them after its idle timeout. They come from 127.0.0.3 (all
        of 127/8 is loopback), at most [http] connections_per_address of
        them held, so the reads from 127.0.0.1 are another client's."""
        socks = []
        for i in range(conns):
            s = socket.create_connection((HOST, self.port), timeout=5,
                                         source_address=('127.0.0.3', 0))
            head = ('POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                    'Authorization: Bearer %s\r\nContent-Type: application/json\r\n'
                    'Content-Length: 100\r\n' % self.token).encode()
            if i % 3 == 1:
                head += b'\r\n{"kind":'  # headers complete, body stalls
            elif i % 3 == 2:  # a TLS client hello: never a request line
                head = b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'
            try:  # past the per-address limit the server closes at once
                s.sendall(head[:len(head) - (5 if i % 3 == 0 else 0)])
            except OSError:
                pass
            socks.append(s)
        worst = 0.0
        closed = 0
        end = time.monotonic() + secs
        while time.monotonic() < end:
            worst = max(worst, self.alive('during slowloris'))
            for s in socks:
                try:
                    s.sendall(b'X')  # a byte at a time: not idle traffic
                except OSError:
                    pass
            time.sleep(1.0)
        # Now silent: the server must close them after its idle timeout.
        deadline = time.monotonic() + 30
        for s in socks:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                while s.recv(4096):
                    pass
                closed += 1
            except socket.timeout:
                pass
            except OSError:
                closed += 1
            s.close()
        if closed != len(socks):
            self.problem('slowloris', '%d of %d partial requests never closed'
                         % (len(socks) - closed, len(socks)))
        return worst, closed

    def run(self, n):
        t0 = time.monotonic()
        for i in range(n):
            self.one()
            if i % 100 == 0:
                self.alive('after %d' % i)
        fuzz_s = time.monotonic() - t0
        worst, closed = self.slowloris()
        self.alive('at the end')
        return fuzz_s, worst, closed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--token', required=True)
    ap.add_argument('--requests', type=int, default=3000)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--report')
    a = ap.parse_args()
    f = Fuzz(a.port, a.token, a.seed)
    try:
        fuzz_s, worst, closed = f.run(a.requests)
    except ConnectionRefusedError as e:
        print('fuzz_http: the server went away:', e)
        return 1
    report = {'requests': f.sent, 'seconds': round(fuzz_s, 1),
              'status': {str(k): v for k, v in sorted(f.status.items())},
              'json_refusals': f.json_refusals, 'created': f.created,
              'slowloris_worst_read_s': round(worst, 3),
              'slowloris_closed': closed, 'problems': f.problems}
    if a.report:
        with open(a.report, 'w') as out:
            json.dump(report, out, indent=1)
    print('fuzz_http: %d requests in %.1f s (then slowloris), status %s, '
          '%d JSON refusals, %d items created, slowest read under slowloris '
          '%.3f s, %d problems'
          % (f.sent, fuzz_s, report['status'], f.json_refusals,
             len(f.created), worst, len(f.problems)))
    for p in f.problems:
        print('  problem:', p)
    return 1 if f.problems else 0


if __name__ == '__main__':
    sys.exit(main())
