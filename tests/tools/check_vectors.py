#!/usr/bin/env python3
"""check_vectors: an independent re-implementation of proto/SPEC.md part 1
(msgpack by hand, hashlib BLAKE2b, Ed25519 from python3-cryptography) that
rebuilds every case of proto/vectors/entries.json from its inputs.

Usage: tests/tools/check_vectors.py proto/vectors/entries.json
"""
import json, hashlib, struct, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

def uint(n):
    if n < 0x80: return bytes([n])
    if n < 1<<8: return b'\xcc' + struct.pack('>B', n)
    if n < 1<<16: return b'\xcd' + struct.pack('>H', n)
    if n < 1<<32: return b'\xce' + struct.pack('>I', n)
    return b'\xcf' + struct.pack('>Q', n)
def s(x):
    b = x.encode(); n = len(b)
    if n < 32: return bytes([0xa0|n]) + b
    if n < 256: return b'\xd9' + bytes([n]) + b
    return b'\xda' + struct.pack('>H', n) + b
def bn(b):
    n = len(b)
    if n < 256: return b'\xc4' + bytes([n]) + b
    if n < 65536: return b'\xc5' + struct.pack('>H', n) + b
    return b'\xc6' + struct.pack('>I', n) + b
def arr(items): assert len(items) < 16; return bytes([0x90|len(items)]) + b''.join(items)
def aud(t):
    p = t.split(':')
    if p[0] == 'tree': return arr([uint(0), s(p[1])])
    return arr([uint(1), s(p[1]), s(p[2])])
def h256(b): return hashlib.blake2b(b, digest_size=32).digest()
CH = {1:2,2:1,3:2,4:2,5:2,6:2,7:2,8:2,9:2,16:3,32:0,33:0}

ok = True
for c in json.load(open(sys.argv[1])):
    sk = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(c['seed_hex']))
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    body = bytes.fromhex(c['body_hex'])
    ch = CH[c['kind']]
    prev = b'\xc0' if c['prev_hex'] is None else bn(bytes.fromhex(c['prev_hex']))
    header = bytes([0x9b]) + uint(1) + bn(pk) + s(c['author_region']) + aud(c['audience']) + uint(ch) + uint(c['seq']) + prev + uint(c['timestamp_ms']) + uint(c['kind']) + uint(len(body)) + bn(h256(body))
    sig = sk.sign(b'simpul entry v1' + header)
    env = b'\x93' + bn(header) + bn(sig) + (b'\xc0' if c['pruned'] else bn(body))
    feed = b'\x94' + bn(pk) + s(c['author_region']) + aud(c['audience']) + uint(ch)
    checks = {'public_key_hex': pk, 'header_hex': header, 'signature_hex': sig, 'envelope_hex': env,
              'entry_id_hex': h256(header), 'feed_id_hex': h256(feed), 'body_hash_hex': h256(body)}
    for k, v in checks.items():
        if v.hex() != c[k]: ok = False; print('MISMATCH', c['name'], k)
    print(c['name'], 'ok' if all(v.hex()==c[k] for k,v in checks.items()) else 'FAIL')
sys.exit(0 if ok else 1)
