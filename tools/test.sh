#!/usr/bin/env bash
# The test command: installs what the interop tests need when it is missing (Debian's grpcio and
# protoc for /usr/bin/python3, node with the pinned @grpc/grpc-js; idempotent, a no-op once present),
# then runs every test. Extra arguments go to `dotnet test` (e.g. --filter ...). CI runs this too.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-interop-deps.sh
exec dotnet test SemanticSearch.sln -c Release "$@"
