#!/usr/bin/env python3
"""Drives the SemanticSearch gRPC layer with the reference C-core stack (grpcio).

Usage: python_client.py HOST:PORT API_KEY

Message classes are generated from the repository's .proto files with protoc at run time, so the
script always matches the server's schema. Exits 0 only if every check passes.
"""
import os
import subprocess
import sys
import tempfile

CHECKS = []


def check(name):
    def register(fn):
        CHECKS.append((name, fn))
        return fn
    return register


def fail(message):
    raise AssertionError(message)


def expect_equal(actual, expected, what):
    if actual != expected:
        fail(f"{what}: expected {expected!r}, got {actual!r}")


def expect_status(call, code, what):
    import grpc
    try:
        call()
    except grpc.RpcError as e:
        expect_equal(e.code(), code, what)
        return e
    fail(f"{what}: expected status {code}, but the call succeeded")


def generate_stubs(repo_root, out_dir):
    protos = os.path.join(repo_root, "protos")
    # grpc.health.v1 / grpc.reflection: the standard services' schemas, kept beside the foreign clients.
    standard = os.path.join(repo_root, "tests", "interop", "protos")
    files = ["testing/echo.proto", "grpc/health/v1/health.proto", "grpc/reflection/v1alpha/reflection.proto"]
    include_dirs = ["-I", protos, "-I", standard]
    # Well-known types (google/protobuf/empty.proto): Debian ships them in libprotobuf-dev.
    for candidate in ("/usr/include", "/usr/local/include"):
        if os.path.exists(os.path.join(candidate, "google", "protobuf", "empty.proto")):
            include_dirs += ["-I", candidate]
            break
    subprocess.run(["protoc", *include_dirs, f"--python_out={out_dir}", *files], check=True)


def load_generated(out_dir, relative_path, module_name):
    # Loaded by path: the generated "grpc/..." packages would collide with grpcio's own "grpc" package.
    import importlib.util
    spec = importlib.util.spec_from_file_location(module_name, os.path.join(out_dir, relative_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    address, api_key = sys.argv[1], sys.argv[2]
    repo_root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    try:
        import grpc  # noqa: F401
    except ImportError:
        print("MISSING DEPENDENCY: python module 'grpc' (Debian package python3-grpcio)", file=sys.stderr)
        return 3
    with tempfile.TemporaryDirectory() as out_dir:
        generate_stubs(repo_root, out_dir)
        return run_checks(address, api_key, out_dir)


def run_checks(address, api_key, out_dir):
    import grpc
    echo = load_generated(out_dir, "testing/echo_pb2.py", "semanticsearch_echo_pb2")
    health = load_generated(out_dir, "grpc/health/v1/health_pb2.py", "semanticsearch_health_pb2")
    reflection = load_generated(out_dir, "grpc/reflection/v1alpha/reflection_pb2.py", "semanticsearch_reflection_pb2")
    from google.protobuf import descriptor_pb2

    channel = grpc.insecure_channel(address)
    auth = (("authorization", "Bearer " + api_key),)

    def method(kind, name, req=echo.EchoRequest, resp=echo.EchoReply, service="semanticsearch.testing.v1.Echo"):
        factory = getattr(channel, kind)
        return factory(f"/{service}/{name}", request_serializer=req.SerializeToString, response_deserializer=resp.FromString)

    unary = method("unary_unary", "Unary")
    server_stream = method("unary_stream", "ServerStream")
    client_stream = method("stream_unary", "ClientStream")
    bidi = method("stream_stream", "Bidi")

    @check("unary with metadata, headers and trailers")
    def _():
        reply, call = unary.with_call(echo.EchoRequest(text="héllo", echo_header="x-custom"),
                                      metadata=auth + (("x-custom", "v1"),), timeout=10)
        expect_equal(reply.text, "héllo", "unary text")
        expect_equal(reply.header_value, "v1", "echoed request header")
        expect_equal(dict(call.initial_metadata()).get("x-echo-method"), "unary", "response header")
        trailers = dict(call.trailing_metadata())
        expect_equal(trailers.get("x-echo-trailer"), "done", "text trailer")
        expect_equal(trailers.get("x-echo-trailer-bin"), b"\x00\x01\x02\xff", "binary trailer")

    @check("server streaming")
    def _():
        replies = list(server_stream(echo.EchoRequest(text="s", count=7), metadata=auth, timeout=10))
        expect_equal([r.index for r in replies], list(range(7)), "stream indexes")

    @check("client streaming")
    def _():
        reply = client_stream(iter([echo.EchoRequest(text=t) for t in "xyz"]), metadata=auth, timeout=10)
        expect_equal((reply.text, reply.message_count), ("x|y|z", 3), "joined texts")

    @check("bidirectional streaming")
    def _():
        replies = list(bidi(iter([echo.EchoRequest(text=f"m{i}") for i in range(5)]), metadata=auth, timeout=10))
        expect_equal([(r.text, r.index) for r in replies], [(f"m{i}", i) for i in range(5)], "bidi replies")

    @check("error status with a non-ASCII message")
    def _():
        message = "résumé ✓ 100% naïve"
        e = expect_status(lambda: unary(echo.EchoRequest(fail_code=9, fail_message=message), metadata=auth, timeout=10),
                          grpc.StatusCode.FAILED_PRECONDITION, "fail status")
        expect_equal(e.details(), message, "decoded grpc-message")
        expect_equal(dict(e.trailing_metadata()).get("x-fail-detail"), "from-handler", "error trailer")

    @check("deadline exceeded")
    def _():
        expect_status(lambda: unary(echo.EchoRequest(text="slow", sleep_ms=10000), metadata=auth, timeout=0.3),
                      grpc.StatusCode.DEADLINE_EXCEEDED, "deadline")

    @check("missing API key is UNAUTHENTICATED")
    def _():
        expect_status(lambda: unary(echo.EchoRequest(text="x"), timeout=10), grpc.StatusCode.UNAUTHENTICATED, "no key")
        expect_status(lambda: unary(echo.EchoRequest(text="x"), metadata=(("authorization", "Bearer wrong"),), timeout=10),
                      grpc.StatusCode.UNAUTHENTICATED, "wrong key")

    @check("gzip request and response")
    def _():
        big = "z" * 100000
        reply = unary(echo.EchoRequest(text=big), metadata=auth, timeout=10, compression=grpc.Compression.Gzip)
        expect_equal(reply.text, big, "gzip round trip")
        expect_equal(reply.request_encoding, "gzip", "server saw grpc-encoding")

    @check("oversized request is RESOURCE_EXHAUSTED")
    def _():
        expect_status(lambda: unary(echo.EchoRequest(payload=b"\x01" * (5 * 1024 * 1024)), metadata=auth, timeout=20),
                      grpc.StatusCode.RESOURCE_EXHAUSTED, "request over 4 MiB")

    @check("oversized response is RESOURCE_EXHAUSTED at the client")
    def _():
        expect_status(lambda: unary(echo.EchoRequest(reply_payload_size=5 * 1024 * 1024), metadata=auth, timeout=20),
                      grpc.StatusCode.RESOURCE_EXHAUSTED, "response over 4 MiB")

    @check("unimplemented method")
    def _():
        from google.protobuf import empty_pb2
        call = method("unary_unary", "NotImplemented", req=empty_pb2.Empty, resp=empty_pb2.Empty)
        expect_status(lambda: call(empty_pb2.Empty(), metadata=auth, timeout=10), grpc.StatusCode.UNIMPLEMENTED, "not implemented")

    @check("health check (exempt from the API key)")
    def _():
        check_health = method("unary_unary", "Check", health.HealthCheckRequest, health.HealthCheckResponse, "grpc.health.v1.Health")
        serving = health.HealthCheckResponse.SERVING
        expect_equal(check_health(health.HealthCheckRequest(service=""), timeout=10).status, serving, "server health")
        expect_equal(check_health(health.HealthCheckRequest(service="semanticsearch.testing.v1.Echo"), timeout=10).status,
                     serving, "echo health")
        expect_status(lambda: check_health(health.HealthCheckRequest(service="no.such.Service"), timeout=10),
                      grpc.StatusCode.NOT_FOUND, "unknown service health")

    @check("reflection: list services, fetch descriptors, call through them")
    def _():
        info = method("stream_stream", "ServerReflectionInfo", reflection.ServerReflectionRequest,
                      reflection.ServerReflectionResponse, "grpc.reflection.v1alpha.ServerReflection")
        requests = [reflection.ServerReflectionRequest(list_services=""),
                    reflection.ServerReflectionRequest(file_containing_symbol="semanticsearch.testing.v1.Echo")]
        listed, files = list(info(iter(requests), metadata=auth, timeout=10))
        names = {s.name for s in listed.list_services_response.service}
        for expected in ("semanticsearch.testing.v1.Echo", "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"):
            if expected not in names:
                fail(f"list_services lacks {expected}: {sorted(names)}")
        protos = [descriptor_pb2.FileDescriptorProto.FromString(b) for b in files.file_descriptor_response.file_descriptor_proto]
        expect_equal([p.name for p in protos], ["testing/echo.proto", "google/protobuf/empty.proto"], "descriptor files")
        expect_equal([m.name for m in protos[0].service[0].method],
                     ["Unary", "ServerStream", "ClientStream", "Bidi", "NotImplemented"], "reflected methods")
        # Like grpcurl: build the request/response types from the reflected descriptors alone, then call.
        from google.protobuf import descriptor_pool, message_factory
        pool = descriptor_pool.DescriptorPool()
        for proto in reversed(protos):  # dependencies first
            pool.Add(proto)
        service = pool.FindServiceByName("semanticsearch.testing.v1.Echo")
        unary_descriptor = service.FindMethodByName("Unary")
        factory = message_factory.MessageFactory(pool)
        request_type = factory.GetPrototype(unary_descriptor.input_type)
        reply_type = factory.GetPrototype(unary_descriptor.output_type)
        dynamic_unary = channel.unary_unary("/semanticsearch.testing.v1.Echo/Unary",
                                            request_serializer=request_type.SerializeToString,
                                            response_deserializer=reply_type.FromString)
        reply = dynamic_unary(request_type(text="via reflection"), metadata=auth, timeout=10)
        expect_equal(reply.text, "via reflection", "call through reflected descriptors")

    failures = 0
    for name, fn in CHECKS:
        try:
            fn()
            print(f"ok: {name}")
        except Exception as e:  # noqa: BLE001 - every failure is reported, then the run fails
            failures += 1
            print(f"FAIL: {name}: {e}", file=sys.stderr)
    channel.close()
    print(f"summary: {len(CHECKS) - failures} of {len(CHECKS)} checks ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
