#!/usr/bin/env python3
"""check_vectors: an independent re-implementation of proto/SPEC.md part 1
(msgpack by hand, hashlib BLAKE2b, Ed25519 from python3-cryptography) that
rebuilds every case of proto/vectors/entries.json from its inputs.

Usage: tests/tools/check_vectors.py proto/vectors/entries.json
"""
import json, hashlib, struct, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from handpack import uint, s, bn, arr, fmap, aud, h256
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
