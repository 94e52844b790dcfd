#!/usr/bin/env bash
# Makes TorchSharp 0.107's libLibTorchSharp.so load where the system libstdc++ predates GLIBCXX_3.4.32 (Debian 12
# stops at 3.4.30). Run on a BUILD OUTPUT folder (the MSBuild target in Directory.Build.targets does, after every
# copy); it never touches the NuGet cache. For every libLibTorchSharp.so under DIR:
#   1. builds glibcxx_3_4_32_shim.cpp with the machine's g++ into libsemsearch_glibcxx_shim.so beside it;
#   2. adds the shim as a needed library (patchelf --add-needed; found through the library's RUNPATH $ORIGIN);
#   3. marks its need for GLIBCXX_3.4.32 weak (elf_weak_version.py), so the loader accepts the older libstdc++ and
#      binds the one symbol from that version, std::ios_base_library_init(), to the shim's definition.
# Each copy is edited as a new file renamed over the old (the output may hold hard links into the cache).
# Idempotent; does nothing at all where the system libstdc++ already defines GLIBCXX_3.4.32.
# Upstream tracking issue for libLibTorchSharp's libstdc++ requirements: dotnet/TorchSharp#218.
set -euo pipefail
dir=${1:?usage: fix-glibcxx.sh BUILD-OUTPUT-DIR}
here=$(cd "$(dirname "$0")" && pwd)
version=GLIBCXX_3.4.32
shim_name=libsemsearch_glibcxx_shim.so

system_libstdcxx() {
  local p
  p=$( (ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null) | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found {print $NF; found = 1}')
  for c in "$p" /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6; do
    if [ -n "$c" ] && [ -e "$c" ]; then echo "$c"; return; fi
  done
}

libs=$(find "$dir" -name libLibTorchSharp.so -type f 2>/dev/null || true)
[ -n "$libs" ] || exit 0
stdcxx=$(system_libstdcxx)
if [ -n "$stdcxx" ] && grep -qa "$version" "$stdcxx"; then exit 0; fi

command -v patchelf >/dev/null || { echo "fix-glibcxx: patchelf is needed to make libLibTorchSharp.so load with ${stdcxx:-this libstdc++} (no $version): apt-get install patchelf" >&2; exit 1; }
command -v g++ >/dev/null || { echo "fix-glibcxx: g++ is needed to build the $version shim: apt-get install g++" >&2; exit 1; }
python=$(command -v /usr/bin/python3 || command -v python3) || { echo "fix-glibcxx: python3 is needed (elf_weak_version.py)" >&2; exit 1; }

built=""
for lib in $libs; do
  libdir=$(dirname "$lib")
  # (grep reads all of readelf's output: with pipefail, grep -q's early exit would fail the pipe.)
  if readelf -d "$lib" | grep -c "Shared library: \[$shim_name\]" >/dev/null && readelf -V "$lib" | grep -c "Name: $version  Flags: WEAK" >/dev/null; then
    [ -f "$libdir/$shim_name" ] && continue
  fi
  if [ -z "$built" ]; then
    built=$(mktemp -d)/$shim_name
    g++ -shared -fPIC -O2 -o "$built" "$here/glibcxx_3_4_32_shim.cpp"
  fi
  cp "$built" "$libdir/$shim_name.tmp" && mv -f "$libdir/$shim_name.tmp" "$libdir/$shim_name"
  tmp="$lib.fix.tmp"
  cp -p "$lib" "$tmp"
  readelf -d "$tmp" | grep -c "Shared library: \[$shim_name\]" >/dev/null || patchelf --add-needed "$shim_name" "$tmp"
  "$python" "$here/elf_weak_version.py" "$tmp" "$version"
  mv -f "$tmp" "$lib"
  echo "fix-glibcxx: $lib loads with $(basename "${stdcxx:-libstdc++}") ($version need weak, $shim_name added)"
done
[ -z "$built" ] || rm -rf "$(dirname "$built")"
