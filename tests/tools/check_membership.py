#!/usr/bin/env python3
"""check_membership: an independent re-implementation of proto/MEMBERSHIP.md
(msgpack by hand, hashlib BLAKE2b, Ed25519 from python3-cryptography, base64
from the standard library) that rebuilds every value of
proto/vectors/membership.json from its inputs.

Usage: tests/tools/check_membership.py proto/vectors/membership.json
"""
import base64, json, hashlib, struct, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from handpack import uint, s, bn, arr, fmap, aud, h256
def line(prefix, b): return prefix + base64.urlsafe_b64encode(b).decode().rstrip('=')
def key(seed_hex):
    sk = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))
    return sk, sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

v = json.load(open(sys.argv[1]))
got = {}
def check(where, case, field, value):
    want = case[field]
    have = value.hex() if isinstance(value, bytes) else value
    if have != want:
        print('MISMATCH', where, field); got['fail'] = True

n = v['network']
root_sk, root_pk = key(n['root_seed_hex'])
desc = arr([uint(1), bn(root_pk), s(n['region']), s(n['name'])])
net_id = h256(desc)
for f, val in [('root_public_key_hex', root_pk), ('descriptor_hex', desc), ('network_id_hex', net_id),
               ('line', line('simpul-network1:', desc))]:
    check('network', n, f, val)

r = v['request']
sk, pk = key(r['seed_hex'])
body = arr([uint(1), bn(pk), s(r['region']), s(r['node_name'])])
sig = sk.sign(b'simpul enroll request v1' + body)
req = arr([bn(body), bn(sig)])
for f, val in [('public_key_hex', pk), ('body_hex', body), ('signature_hex', sig), ('request_hex', req),
               ('line', line('simpul-req1:', req))]:
    check('request', r, f, val)

certs = {}
for c in v['certs']:
    isk, ipk = key(c['issuer_seed_hex'])
    _, npk = key(c['subject_seed_hex'])
    body = arr([uint(1), bn(net_id), bn(npk), s(c['region']), s(c['node_name']), uint(c['valid_from_ms']),
                uint(c['valid_until_ms']), uint(c['flags']), bn(ipk)])
    sig = isk.sign(b'simpul cert v1' + body)
    cert = arr([bn(body), bn(sig)])
    certs[c['case']] = cert
    issuer = certs[c['issuer_cert']] if c['issuer_cert'] else None
    bundle = arr([bn(desc), bn(cert), bn(issuer) if issuer else b'\xc0'])
    for f, val in [('node_public_key_hex', npk), ('body_hex', body), ('signature_hex', sig), ('cert_hex', cert),
                   ('bundle_hex', bundle), ('line', line('simpul-cert1:', bundle))]:
        check(c['case'], c, f, val)

b = v['bodies']['sertifikat']
sert = fmap([('cert', bn(certs[b['cert']])), ('issuer_cert', bn(certs[b['issuer_cert']]))])
check('sertifikat', b, 'body_hex', sert)
p = v['bodies']['pencabutan']
feeds = arr([arr([bn(bytes.fromhex(f['feed_hex'])), uint(f['last_seq']), bn(bytes.fromhex(f['last_id_hex']))])
             for f in p['feeds']])
pen = fmap([('node', bn(bytes.fromhex(p['node_hex']))), ('feeds', feeds), ('reason', s(p['reason']))])
check('pencabutan', p, 'body_hex', pen)

print('membership vectors', 'FAIL' if got else 'ok')
sys.exit(1 if got else 0)
