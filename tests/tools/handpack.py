"""handpack: msgpack written by hand from the spec (no msgpack library),
BLAKE2b-256 and the audience encoding of proto/SPEC.md, shared by the
independent re-implementations check_vectors.py, check_membership.py and
check_seals.py. Only what the vectors need: small arrays and maps."""
import hashlib, struct

def uint(n):
    if n < 0x80: return bytes([n])
    if n < 1 << 8: return b'\xcc' + struct.pack('>B', n)
    if n < 1 << 16: return b'\xcd' + struct.pack('>H', n)
    if n < 1 << 32: return b'\xce' + struct.pack('>I', n)
    return b'\xcf' + struct.pack('>Q', n)
def s(x):
    b = x.encode(); n = len(b)
    if n < 32: return bytes([0xa0 | n]) + b
    if n < 256: return b'\xd9' + bytes([n]) + b
    return b'\xda' + struct.pack('>H', n) + b
def bn(b):
    n = len(b)
    if n < 256: return b'\xc4' + bytes([n]) + b
    if n < 65536: return b'\xc5' + struct.pack('>H', n) + b
    return b'\xc6' + struct.pack('>I', n) + b
def arr(items): assert len(items) < 16; return bytes([0x90 | len(items)]) + b''.join(items)
def fmap(pairs): assert len(pairs) < 16; return bytes([0x80 | len(pairs)]) + b''.join(s(k) + v for k, v in pairs)
def aud(t):
    p = t.split(':')
    return arr([uint(0), s(p[1])]) if p[0] == 'tree' else arr([uint(1), s(p[1]), s(p[2])])
def h256(b): return hashlib.blake2b(b, digest_size=32).digest()
