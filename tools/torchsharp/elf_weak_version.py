#!/usr/bin/env python3
"""Marks one symbol-version need of an ELF64 shared library as weak (VER_FLG_WEAK) in place.

    elf_weak_version.py LIB VERSION      e.g. libLibTorchSharp.so GLIBCXX_3.4.32

The dynamic loader refuses to load a library whose .gnu.version_r names a version that the providing library does
not define ("version `GLIBCXX_3.4.32' not found"), unless that need (a Vernaux entry) carries VER_FLG_WEAK; then it
only warns under LD_DEBUG and binds the symbol to whatever definition it finds. Only the 2-byte vna_flags field of
the matching entries changes; nothing moves. Exit 0 when the need is (now) weak, 2 when LIB has no such need.
"""
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def read_cstring(data, offset):
    end = data.index(b"\0", offset)
    return data[offset:end].decode("ascii", "replace")


def mark_weak(path, version):
    with open(path, "rb") as f:
        data = bytearray(f.read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise SystemExit(f"{path}: not a little-endian ELF64 file")
    e_shoff, = struct.unpack_from("<Q", data, 0x28)
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + i * e_shentsize) for i in range(e_shnum)]
    verneed = [s for s in sections if s[1] == SHT_GNU_VERNEED]
    if not verneed:
        return 2, 0
    # (sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize)
    _, _, _, _, offset, _, link, count, _, _ = verneed[0]
    strtab = sections[link][4]
    found = changed = 0
    entry = offset
    for _ in range(count):
        # Elf64_Verneed: vn_version, vn_cnt, vn_file, vn_aux, vn_next
        _, vn_cnt, _, vn_aux, vn_next = struct.unpack_from("<HHIII", data, entry)
        aux = entry + vn_aux
        for _ in range(vn_cnt):
            # Elf64_Vernaux: vna_hash, vna_flags, vna_other, vna_name, vna_next
            _, flags, _, name, vna_next = struct.unpack_from("<IHHII", data, aux)
            if read_cstring(data, strtab + name) == version:
                found += 1
                if not flags & VER_FLG_WEAK:
                    struct.pack_into("<H", data, aux + 4, flags | VER_FLG_WEAK)
                    changed += 1
            if vna_next == 0:
                break
            aux += vna_next
        if vn_next == 0:
            break
        entry += vn_next
    if not found:
        return 2, 0
    if changed:
        # Write beside and rename: the file may be a hard link into the NuGet cache, which must stay untouched.
        temp = path + ".weak.tmp"
        with open(temp, "wb") as f:
            f.write(data)
        import os
        os.chmod(temp, os.stat(path).st_mode)
        os.replace(temp, path)
    return 0, changed


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    status, changed = mark_weak(sys.argv[1], sys.argv[2])
    if status == 2:
        print(f"{sys.argv[1]}: no need for version {sys.argv[2]}", file=sys.stderr)
    sys.exit(status)
