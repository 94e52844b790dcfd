#!/usr/bin/env bash
# Installs what the gRPC interop tests (tests/SemanticSearch.Service.Tests/InteropTests.cs) need on a
# clean machine: Debian's grpcio/protobuf for /usr/bin/python3, protoc (+ well-known .protos), node, and the npm packages
# pinned in tests/interop/node/package-lock.json. Idempotent; retries network steps.
set -euo pipefail
cd "$(dirname "$0")/.."

source "$(dirname "${BASH_SOURCE[0]}")/retry.sh"

missing_debs=()
/usr/bin/python3 -c 'import grpc' 2>/dev/null || missing_debs+=(python3-grpcio)
/usr/bin/python3 -c 'import google.protobuf' 2>/dev/null || missing_debs+=(python3-protobuf)
command -v protoc >/dev/null || missing_debs+=(protobuf-compiler)
# Well-known types (google/protobuf/empty.proto) for protoc; only "recommended" by protobuf-compiler.
[ -f /usr/include/google/protobuf/empty.proto ] || missing_debs+=(libprotobuf-dev)
command -v node >/dev/null || missing_debs+=(nodejs)
command -v npm >/dev/null || missing_debs+=(npm)

if [ "${#missing_debs[@]}" -gt 0 ]; then
  echo "install-interop-deps: installing ${missing_debs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  retry apt-get update -q
  retry apt-get install -y -q --no-install-recommends "${missing_debs[@]}"
fi

# npm ci installs exactly the lock file's versions; skipped when they are already in place.
if [ ! -d tests/interop/node/node_modules/@grpc/grpc-js ] || [ ! -d tests/interop/node/node_modules/@grpc/proto-loader ]; then
  (cd tests/interop/node && retry npm ci --no-audit --no-fund)
fi

/usr/bin/python3 -c 'import grpc, google.protobuf; print("python grpcio", grpc.__version__)'
protoc --version
node -e 'console.log("node", process.version, "grpc-js", require("./tests/interop/node/node_modules/@grpc/grpc-js/package.json").version)'
