#!/usr/bin/env bash
# What the torch backend's build needs on a clean machine: where the system libstdc++ lacks GLIBCXX_3.4.32 (Debian 12),
# tools/torchsharp/fix-glibcxx.sh (run by the build, Directory.Build.targets) edits libLibTorchSharp.so with patchelf
# and builds a shim with g++ (binutils' readelf comes with it). Installs whichever is missing; idempotent; retries.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/retry.sh"

# (awk reads all of ldconfig's output: an early exit would SIGPIPE ldconfig, and pipefail would fail the script.)
stdcxx=$( (ldconfig -p 2>/dev/null || /sbin/ldconfig -p) | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found {print $NF; found = 1}')
if [ -n "$stdcxx" ] && grep -qa GLIBCXX_3.4.32 "$stdcxx"; then exit 0; fi
missing=()
command -v patchelf >/dev/null || missing+=(patchelf)
command -v g++ >/dev/null || missing+=(g++)
command -v readelf >/dev/null || missing+=(binutils)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-torch-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  retry apt-get update -q
  retry apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
