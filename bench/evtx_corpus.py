#!/usr/bin/env python3
"""Builds a large EVTX file for benchmarks by concatenating the 64 KiB chunks of existing EVTX files.

Each EVTX chunk is self-contained (its own string and template tables), so chunks from different
files can follow one another under a new file header. Usage:
    evtx_corpus.py OUT.evtx MIN_MEGABYTES SOURCE_DIR_OR_FILE...
Chunks are repeated round-robin until OUT reaches MIN_MEGABYTES. Prints chunk and record counts.
"""
import os
import struct
import sys
import zlib

CHUNK = 65536
HEADER = 4096
MAX_CHUNKS = 0xFFFF  # the header's chunk count is 16-bit


def chunks_of(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"ElfFile\x00":
        return
    off = HEADER
    while off + CHUNK <= len(data):
        c = data[off:off + CHUNK]
        if c[:8] == b"ElfChnk\x00":
            first, last = struct.unpack_from("<QQ", c, 8)
            if last >= first:
                yield c, last - first + 1
        off += CHUNK


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out, megabytes, sources = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    files = []
    for s in sources:
        if os.path.isdir(s):
            for root, _, names in os.walk(s):
                files += [os.path.join(root, n) for n in names if n.endswith(".evtx")]
        else:
            files.append(s)
    pool = [c for f in sorted(files) for c in chunks_of(f)]
    if not pool:
        sys.exit("no EVTX chunks found")
    want = min(MAX_CHUNKS, max(1, int(megabytes * 1024 * 1024 // CHUNK)))
    records = 0
    with open(out, "wb") as f:
        f.write(b"\x00" * HEADER)
        for i in range(want):
            chunk, n = pool[i % len(pool)]
            f.write(chunk)
            records += n
        hdr = bytearray(HEADER)
        hdr[0:8] = b"ElfFile\x00"
        struct.pack_into("<QQQIHHHH", hdr, 8, 0, want - 1, records + 1, 128, 1, 3, HEADER, want)
        struct.pack_into("<I", hdr, 120, 0)  # flags: clean
        struct.pack_into("<I", hdr, 124, zlib.crc32(bytes(hdr[:120])) & 0xFFFFFFFF)
        f.seek(0)
        f.write(hdr)
    print(f"{out}: {want} chunks, {records} records, {os.path.getsize(out) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
