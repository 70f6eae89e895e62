#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz suite (src/test/java/org/pauc/fuzz/ReadersFuzzTest.java): a small valid
example of every format pauc reads and the bad inputs found by hand (truncated files, headers that claim more
than the file holds, overflowing shapes, wrong checksums, non-finite numbers, unsafe names). Run from the
repository root: python3 src/test/fuzz/make_seeds.py"""
import gzip, json, os, struct, zlib

root = 'src/test/resources/org/pauc/fuzz/ReadersFuzzTestInputs'


def put(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def safetensors(header, payload=b''):
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    return struct.pack('<Q', len(h)) + h + payload


ok = {'__metadata__': {'format': 'x'}, 'a': {'dtype': 'F32', 'shape': [2, 2], 'data_offsets': [0, 16]}}
put('safetensors', 'valid', safetensors(ok, struct.pack('<4f', 1, 2, 3, 4)))
put('safetensors', 'truncated', safetensors(ok, struct.pack('<4f', 1, 2, 3, 4))[:-5])
put('safetensors', 'header-length-huge', struct.pack('<Q', 1 << 62) + b'{}')
put('safetensors', 'negative-shape', safetensors({'a': {'dtype': 'F32', 'shape': [-1, -32], 'data_offsets': [0, 128]}},
                                                 bytes(128)))
put('safetensors', 'overflowing-shape', safetensors({'a': {'dtype': 'F32', 'shape': [1 << 31, 1 << 31],
                                                           'data_offsets': [0, 0]}}))
put('safetensors', 'f16', safetensors({'a': {'dtype': 'F16', 'shape': [2], 'data_offsets': [0, 4]}}, bytes(4)))
put('safetensors', 'overlap', safetensors({'a': {'dtype': 'F32', 'shape': [1], 'data_offsets': [0, 4]},
                                           'b': {'dtype': 'F32', 'shape': [1], 'data_offsets': [0, 4]}}, bytes(4)))
put('safetensors', 'not-json', struct.pack('<Q', 4) + b'{{{{')


def raw_header(text, payload=b''):
    h = text.encode()
    h += b' ' * (-len(h) % 8)
    return struct.pack('<Q', len(h)) + h + payload


entry = '"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}'
put('safetensors', 'duplicate-key', raw_header('{' + entry + ', ' + entry + '}', bytes(4)))
put('safetensors', 'text-after-header', raw_header('{' + entry + '} garbage!!', bytes(4)))

images = struct.pack('>iiii', 0x803, 2, 2, 3) + bytes(range(12))
labels = struct.pack('>ii', 0x801, 2) + bytes([1, 7])
put('idx', 'images', images)
put('idx', 'labels', labels)
put('idx', 'images-gz', gzip.compress(images, mtime=0))
put('idx', 'count-huge', struct.pack('>iiii', 0x803, 0x7fffffff, 1, 1) + bytes(4))
put('idx', 'labels-count-huge', struct.pack('>ii', 0x801, 0x7fffffff) + bytes(4))
# found by fuzzing: sizes whose product overflows even a 64-bit integer
put('idx', 'dimensions-overflow-long', struct.pack('>iiii', 0x803, 0x7f0bff2d, 0x00208741, 0x01002087) + bytes([0, 1, 0, 0, 0]))
# found by fuzzing: a truncated deflate stream whose trailer claims a large size (the claim must not be trusted)
put('idx', 'gzip-trailer-claims-more', bytes.fromhex('1f8b0800cf5d0d6b02ff6360e0606660606082a074f7ff'))
put('idx', 'wrong-magic', struct.pack('>iiii', 0x804, 1, 1, 1) + bytes(1))
put('idx', 'truncated', images[:-3])
bad_crc = bytearray(gzip.compress(images, mtime=0))
bad_crc[-8] ^= 1
put('idx', 'gzip-bad-crc', bytes(bad_crc))
put('idx', 'gzip-truncated', gzip.compress(images, mtime=0)[:-6])

with open('reference-tests/oracle/uniformity/two-samples.json') as f:
    vector = f.read()
put('referenceVector', 'valid', vector)
v = json.loads(vector)
v['expected']['loss']['data'] = [1e300]
put('referenceVector', 'expected-1e400', json.dumps(v).replace('1e+300', '1e400'))
v = json.loads(vector)
v['inputs']['v']['shape'] = [3, 5]
put('referenceVector', 'wrong-shape', json.dumps(v))
put('referenceVector', 'deep', '[' * 5000 + ']' * 5000)
put('referenceVector', 'not-an-object', '[1, 2, 3]')

spec = {'name': 'x', 'train': {'epochs': 1}, 'configs': [{'name': 'a', 'method': 'moco'}], 'seeds': [0],
        'eval': {'validation': 10}}
put('spec', 'valid', json.dumps(spec))
put('spec', 'train-list', json.dumps(dict(spec, train=[1, 2])))
put('spec', 'dot-dot-name', json.dumps(dict(spec, configs=[{'name': '..'}])))
put('spec', 'missing-name', json.dumps(dict(spec, configs=[{'method': 'pcl'}])))
put('spec', 'negative-validation', json.dumps(dict(spec, eval={'validation': -5})))
put('spec', 'string-number', json.dumps(dict(spec, train={'epochs': '20'})))
put('spec', 'out-of-range', json.dumps(dict(spec, train={'lr': -1, 'dim': 1073741824})))


def png(w, h, pixels):
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
    raw = b''.join(b'\x00' + bytes(pixels[y * w * 3:(y + 1) * w * 3]) for y in range(h))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


put('image', 'png', png(4, 3, list(range(36))))
put('image', 'png-truncated', png(4, 3, list(range(36)))[:40])
put('image', 'png-claims-100000', png(4, 3, list(range(36))).replace(struct.pack('>II', 4, 3), struct.pack('>II', 100000, 100000)))
# found by fuzzing: a PNG whose header claims 10 682 372 × 3 pixels in 81 bytes (more than deflate can hold)
put('image', 'claims-more-than-it-holds', bytes.fromhex(
    '89504e470d0a1a0a0000000d4948445200a300040000000308020000003b9639910000002f49444154789c6360606462'
    '67616563e7e0e4e22f776f726b2f6a617a7a65722d74726176657273616c520682'))
put('image', 'not-an-image', b'GIF89a but not really')

# WebDataset shards, file lists and JPEG. The JPEGs come from PIL: run with Debian's /usr/bin/python3
# (python3-pil) to regenerate them.
import io, tarfile
try:
    from PIL import Image
    buf = io.BytesIO()
    Image.new('RGB', (12, 9), (200, 30, 90)).save(buf, 'JPEG', quality=90)
    jpeg = buf.getvalue()
    buf = io.BytesIO()
    Image.new('RGB', (5, 4), (10, 230, 40)).save(buf, 'PNG')
    png = buf.getvalue()
except ImportError:
    jpeg = png = None
if jpeg is not None:
    put('jpeg', 'valid', jpeg)
    put('jpeg', 'truncated', jpeg[:len(jpeg) // 2])
    sof = jpeg.index(b'\xff\xc0')
    put('jpeg', 'claims-65535x65535', jpeg[:sof + 5] + b'\xff\xff\xff\xff' + jpeg[sof + 9:])

    def tar(members, fmt=tarfile.USTAR_FORMAT):
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode='w', format=fmt) as t:
            for name, data in members:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mtime = 0
                t.addfile(info, io.BytesIO(data))
        return out.getvalue()

    valid = tar([('000000.jpg', jpeg), ('000000.cls', b'1\n'), ('000001.png', png), ('000001.cls', b'0\n'),
                 ('000002.txt', b'no image')])
    put('shard', 'valid', valid)
    put('shard', 'truncated', valid[:700])
    put('shard', 'bad-checksum', valid[:148] + b'0000000\x00' + valid[156:])
    put('shard', 'size-beyond-end', valid[:124] + b'77777777777\x00' + valid[136:])
    put('shard', 'pax-long-name', tar([('d/' + 'x' * 120 + '.jpg', jpeg)], tarfile.PAX_FORMAT))
    put('shard', 'gnu-long-name', tar([('d/' + 'y' * 120 + '.jpg', jpeg), ('d/' + 'y' * 120 + '.cls', b'3')],
                                      tarfile.GNU_FORMAT))
    put('shard', 'bad-cls', tar([('a.jpg', jpeg), ('a.cls', b'-4')]))
    put('shard', 'corrupt-jpeg', tar([('a.jpg', jpeg[:40] + bytes(len(jpeg) - 40))]))

# found by the fuzzer (kept as the file it wrote): shard/pax-record-shorter-than-its-key, a pax record whose length
# ends before its key does; fileList/nul-in-a-path, a NUL byte inside a path; fileList/huge-labels, class numbers near 10^9 (now
# ranked, not used as array sizes)
put('fileList', 'valid', 'a.jpg 1\nsub dir/b.png\t0\n# comment\n\nc.jpeg\n')
put('fileList', 'negative-label', 'a.jpg -1\n')
put('fileList', 'huge-label', 'a.jpg 99999999999999\n')
put('fileList', 'empty', '')
