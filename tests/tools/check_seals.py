#!/usr/bin/env python3
"""check_seals: an independent re-implementation of proto/KIM.md §4 (sealed
values, version 2) that rebuilds every value of proto/vectors/seals.json
from its inputs, written from the spec text and the documents it cites.

HChaCha20 (draft-irtf-cfrg-xchacha-03), Salsa20 / HSalsa20 / XSalsa20
(Bernstein's Salsa20 and XSalsa20 papers), Poly1305 (RFC 8439 §2.5) and
the Ed25519-to-X25519 map (RFC 7748 §4.1) are written here; X25519,
Ed25519 and AEAD_CHACHA20_POLY1305 come from python3-cryptography (its
OpenSSL, not libsodium); BLAKE2b and SHA-512 from hashlib. msgpack by hand.

For each report: the author's key, the feed id, the envelope and entry id
(SPEC.md); for each sealed value: the recipients' X25519 keys, each box
rebuilt from its ephemeral secret and opened with the recipient's key, the
additional data, ct, and the sealed map inside the body. Then the value
must NOT open when moved: another seq, feed, author or field, a recipient
dropped, added or reordered, or the version-1 additional data.

Usage: tests/tools/check_seals.py proto/vectors/seals.json
"""
import hashlib, json, struct, sys
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

RAW = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)
M32 = 0xffffffff
SIGMA = struct.unpack('<4I', b'expand 32-byte k')

def rotl(v, c): return ((v << c) & M32) | (v >> (32 - c))

# ---- XChaCha20-Poly1305: HChaCha20, then RFC 8439 with 0^4 || nonce[16:24]
def chacha_rounds(s):
    def qr(a, b, c, d):
        s[a] = (s[a] + s[b]) & M32; s[d] = rotl(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & M32; s[b] = rotl(s[b] ^ s[c], 12)
        s[a] = (s[a] + s[b]) & M32; s[d] = rotl(s[d] ^ s[a], 8)
        s[c] = (s[c] + s[d]) & M32; s[b] = rotl(s[b] ^ s[c], 7)
    for _ in range(10):
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15)
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14)
def hchacha20(key, n16):
    s = list(SIGMA) + list(struct.unpack('<8I', key)) + list(struct.unpack('<4I', n16))
    chacha_rounds(s)
    return struct.pack('<8I', *(s[0:4] + s[12:16]))
def xchacha(key, nonce): return ChaCha20Poly1305(hchacha20(key, nonce[:16])), b'\0' * 4 + nonce[16:]
def xchacha_seal(key, nonce, pt, ad): a, n = xchacha(key, nonce); return a.encrypt(n, pt, ad)
def xchacha_open(key, nonce, ct, ad): a, n = xchacha(key, nonce); return a.decrypt(n, ct, ad)

# ---- crypto_box (X25519, HSalsa20, XSalsa20-Poly1305) and sealed boxes
def salsa_rounds(x):
    def qr(a, b, c, d):
        x[b] ^= rotl((x[a] + x[d]) & M32, 7); x[c] ^= rotl((x[b] + x[a]) & M32, 9)
        x[d] ^= rotl((x[c] + x[b]) & M32, 13); x[a] ^= rotl((x[d] + x[c]) & M32, 18)
    for _ in range(10):
        qr(0, 4, 8, 12); qr(5, 9, 13, 1); qr(10, 14, 2, 6); qr(15, 3, 7, 11)
        qr(0, 1, 2, 3); qr(5, 6, 7, 4); qr(10, 11, 8, 9); qr(15, 12, 13, 14)
def salsa_state(key, in16):
    k, i = struct.unpack('<8I', key), struct.unpack('<4I', in16)
    return [SIGMA[0], *k[:4], SIGMA[1], *i, SIGMA[2], *k[4:], SIGMA[3]]
def hsalsa20(key, in16):
    x = salsa_state(key, in16); salsa_rounds(x)
    return struct.pack('<8I', *[x[i] for i in (0, 5, 10, 15, 6, 7, 8, 9)])
def xsalsa20_stream(key, nonce, n):
    sub, out, ctr = hsalsa20(key, nonce[:16]), b'', 0
    while len(out) < n:
        x0 = salsa_state(sub, nonce[16:] + struct.pack('<Q', ctr)); x = list(x0); salsa_rounds(x)
        out += struct.pack('<16I', *[(a + b) & M32 for a, b in zip(x, x0)]); ctr += 1
    return out[:n]
def poly1305(key, msg):
    p, r = (1 << 130) - 5, int.from_bytes(key[:16], 'little') & 0x0ffffffc0ffffffc0ffffffc0fffffff
    acc = 0
    for i in range(0, len(msg), 16):
        acc = (acc + int.from_bytes(msg[i:i + 16] + b'\x01', 'little')) * r % p
    return ((acc + int.from_bytes(key[16:], 'little')) % (1 << 128)).to_bytes(16, 'little')
def box_key(sk, pk):
    shared = X25519PrivateKey.from_private_bytes(sk).exchange(X25519PublicKey.from_public_bytes(pk))
    return hsalsa20(shared, b'\0' * 16)
def box_easy(m, nonce, pk, sk):
    st = xsalsa20_stream(box_key(sk, pk), nonce, 32 + len(m))
    c = bytes(a ^ b for a, b in zip(m, st[32:]))
    return poly1305(st[:32], c) + c
def box_open_easy(bx, nonce, pk, sk):
    st = xsalsa20_stream(box_key(sk, pk), nonce, 32 + len(bx) - 16)
    if poly1305(st[:32], bx[16:]) != bx[:16]: return None
    return bytes(a ^ b for a, b in zip(bx[16:], st[32:]))
def seal_nonce(epk, pk): return hashlib.blake2b(epk + pk, digest_size=24).digest()
def box_seal_with(m, pk, esk):
    epk = X25519PrivateKey.from_private_bytes(esk).public_key().public_bytes(*RAW)
    return epk + box_easy(m, seal_nonce(epk, pk), pk, esk)
def box_seal_open(bx, pk, sk): return box_open_easy(bx[32:], seal_nonce(bx[:32], pk), bx[:32], sk)

# ---- Ed25519 keys and their X25519 form (HANDSHAKE.md §3.2)
P = 2**255 - 19
def ed_key(seed):
    sk = Ed25519PrivateKey.from_private_bytes(seed)
    return sk, sk.public_key().public_bytes(*RAW)
def ed_pk_to_x(pk):
    y = int.from_bytes(pk, 'little') & ((1 << 255) - 1)
    return ((1 + y) * pow(1 - y, P - 2, P) % P).to_bytes(32, 'little')
def ed_sk_to_x(seed): return hashlib.sha512(seed).digest()[:32]

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from handpack import uint, s, bn, arr, fmap, aud, h256

# ---- KIM.md §4
def seal_ad(field, author, feed, seq, to):
    f = field.encode()
    return (b'simpul/kim/2/' + bytes([len(f)]) + f + author + feed + seq.to_bytes(8, 'big')
            + bytes([len(to)]) + b''.join(to))
def sealed_map(to, boxes, nonce, ct):
    return (b'\x85' + s('v') + uint(2) + s('to') + arr([bn(k) for k in to]) + s('keys')
            + arr([bn(b) for b in boxes]) + s('nonce') + bn(nonce) + s('ct') + bn(ct))

fails = []
def check(where, what, have, want):
    if have != want: fails.append(where); print('MISMATCH', where, what)

for c in json.load(open(sys.argv[1])):
    name = c['name']
    sk, pk = ed_key(bytes.fromhex(c['seed_hex']))
    check(name, 'public_key_hex', pk.hex(), c['public_key_hex'])
    ch, body = c['channel'], bytes.fromhex(c['body_hex'])
    feed = h256(b'\x94' + bn(pk) + s(c['author_region']) + aud(c['audience']) + uint(ch))
    prev = b'\xc0' if c['prev_hex'] is None else bn(bytes.fromhex(c['prev_hex']))
    header = (b'\x9b' + uint(1) + bn(pk) + s(c['author_region']) + aud(c['audience']) + uint(ch)
              + uint(c['seq']) + prev + uint(c['timestamp_ms']) + uint(c['kind'])
              + uint(len(body)) + bn(h256(body)))
    env = b'\x93' + bn(header) + bn(sk.sign(b'simpul entry v1' + header)) + bn(body)
    check(name, 'feed_id_hex', feed.hex(), c['feed_id_hex'])
    check(name, 'envelope_hex', env.hex(), c['envelope_hex'])
    check(name, 'entry_id_hex', h256(header).hex(), c['entry_id_hex'])
    for v in c['seals']:
        where = name + '/' + v['field']
        ck, nonce = bytes.fromhex(v['content_key_hex']), bytes.fromhex(v['nonce_hex'])
        plain = bytes.fromhex(v['plaintext_hex'])
        to, boxes, xsks = [], [], []
        for r in v['recipients']:
            seed = bytes.fromhex(r['seed_hex'])
            _, rpk = ed_key(seed)
            check(where, 'recipient public_key_hex', rpk.hex(), r['public_key_hex'])
            xpk = ed_pk_to_x(rpk)
            check(where, 'x25519_public_key_hex', xpk.hex(), r['x25519_public_key_hex'])
            check(where, 'x25519 of the secret', X25519PrivateKey.from_private_bytes(
                ed_sk_to_x(seed)).public_key().public_bytes(*RAW), xpk)
            box = box_seal_with(ck, xpk, bytes.fromhex(r['ephemeral_secret_hex']))
            check(where, 'box_hex', box.hex(), r['box_hex'])
            check(where, 'box opens to the content key', box_seal_open(box, xpk, ed_sk_to_x(seed)), ck)
            to.append(rpk); boxes.append(box); xsks.append(ed_sk_to_x(seed))
        ad = seal_ad(v['field'], pk, feed, c['seq'], to)
        check(where, 'ad_hex', ad.hex(), v['ad_hex'])
        ct = xchacha_seal(ck, nonce, plain, ad)
        check(where, 'ct_hex', ct.hex(), v['ct_hex'])
        check(where, 'opens', xchacha_open(ck, nonce, ct, ad), plain)
        check(where, 'the sealed map in the body', s(v['field']) + sealed_map(to, boxes, nonce, ct) in body, True)
        other = 'sealed' if v['field'] == 'reporter' else 'reporter'
        moved = {
            'seq - 1': seal_ad(v['field'], pk, feed, c['seq'] - 1, to),
            'seq + 1': seal_ad(v['field'], pk, feed, c['seq'] + 1, to),
            'another feed': seal_ad(v['field'], pk, bytes([feed[0] ^ 1]) + feed[1:], c['seq'], to),
            'another author': seal_ad(v['field'], to[0], feed, c['seq'], to),
            'another field': seal_ad(other, pk, feed, c['seq'], to),
            'a recipient dropped': seal_ad(v['field'], pk, feed, c['seq'], to[:-1]),
            'a recipient added': seal_ad(v['field'], pk, feed, c['seq'], to + [pk]),
            'version 1': b'simpul/kim/1/' + v['field'].encode(),
        }
        if len(to) > 1:
            moved['recipients reordered'] = seal_ad(v['field'], pk, feed, c['seq'], to[::-1])
        for what, bad in moved.items():
            try:
                xchacha_open(ck, nonce, ct, bad)
                fails.append(where); print('OPENS', where, what)
            except InvalidTag:
                pass
    print(name, 'FAIL' if name in [f.split('/')[0] for f in fails] else 'ok')
sys.exit(1 if fails else 0)
