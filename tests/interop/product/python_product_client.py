#!/usr/bin/env python3
"""Calls the product API (semanticsearch.v1) of a running `semsearch serve` with grpcio (C-core).

Usage: python_product_client.py HOST:PORT API_KEY

Message classes are generated from protos/semanticsearch/v1/*.proto with protoc at run time, so
the script always matches the server's schema. Exits 0 only if every check passes; the last line
is "summary: N of M checks ok".
"""
import os
import subprocess
import sys
import tempfile
import importlib.util

SEARCH = "/semanticsearch.v1.SearchService/"
FINETUNE = "/semanticsearch.v1.FineTuneService/"


def generate(repo_root, out_dir):
    protos = os.path.join(repo_root, "protos")
    files = ["semanticsearch/v1/search.proto", "semanticsearch/v1/finetune.proto",
             "grpc/health/v1/health.proto", "grpc/reflection/v1alpha/reflection.proto"]
    subprocess.run(["protoc", "-I", protos, f"--python_out={out_dir}", *files], check=True)


def load(out_dir, relative_path, name):
    # By path: the generated "grpc/..." package would shadow grpcio's own "grpc" package.
    spec = importlib.util.spec_from_file_location(name, os.path.join(out_dir, relative_path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    address, api_key = sys.argv[1], sys.argv[2]
    import grpc
    repo_root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
    with tempfile.TemporaryDirectory() as out:
        generate(repo_root, out)
        sys.path.insert(0, out)  # finetune_pb2 / search_pb2 import each other by package path
        pb = load(out, "semanticsearch/v1/search_pb2.py", "semanticsearch.v1.search_pb2")
        ft = load(out, "semanticsearch/v1/finetune_pb2.py", "semanticsearch.v1.finetune_pb2")
        health = load(out, "grpc/health/v1/health_pb2.py", "health_pb2")
        refl = load(out, "grpc/reflection/v1alpha/reflection_pb2.py", "reflection_pb2")
        channel = grpc.insecure_channel(address)
        md = [("authorization", f"Bearer {api_key}")]

        def unary(path, req, resp_type):
            return channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(),
                                       response_deserializer=resp_type.FromString)

        checks = []

        def check(name):
            def register(fn):
                checks.append((name, fn))
                return fn
            return register

        def expect(cond, what):
            if not cond:
                raise AssertionError(what)

        def expect_status(fn, code, what):
            try:
                fn()
            except grpc.RpcError as e:
                expect(e.code() == code, f"{what}: expected {code}, got {e.code()} ({e.details()})")
                return e
            raise AssertionError(f"{what}: expected {code}, the call succeeded")

        @check("Upsert: client stream of documents, one bad")
        def _():
            docs = [("py-lost", "Lost card", "I lost my card, please freeze it", ["cards"]),
                    ("py-rate", "Exchange rate", "Which exchange rate do you use for currency?", ["currency"]),
                    ("py-fee", "Transfer fee", "How much is a transfer fee to another bank?", ["transfers"]),
                    ("", "No id", "this one has no id", [])]

            def requests():
                for i, t, x, tags in docs:
                    yield pb.UpsertRequest(document=pb.Document(id=i, title=t, text=x, tags=tags))
            call = channel.stream_unary(SEARCH + "Upsert", request_serializer=lambda m: m.SerializeToString(),
                                        response_deserializer=pb.UpsertResponse.FromString)
            r = call(requests(), metadata=md, timeout=30)
            expect(r.received == 4 and r.added == 3 and r.failed == 1, f"counts {r}")
            expect(r.errors[0].position == 3 and "id must not be empty" in r.errors[0].message, f"error {r.errors}")

        @check("Search: keyword, tag filter")
        def _():
            req = pb.SearchRequest(text="exchange rate", mode=pb.SEARCH_MODE_KEYWORD, top_k=3)
            r = unary(SEARCH + "Search", req, pb.SearchResponse)(req, metadata=md, timeout=10)
            expect(r.hits[0].id == "py-rate", f"top hit {r.hits[0].id if r.hits else None}")
            expect(r.hits[0].HasField("keyword_score"), "keyword_score set")
            req = pb.SearchRequest(text="card", mode=pb.SEARCH_MODE_KEYWORD, tags=["currency"])
            r = unary(SEARCH + "Search", req, pb.SearchResponse)(req, metadata=md, timeout=10)
            expect(all("currency" in h.tags for h in r.hits), "tag filter")

        @check("Get and Stats")
        def _():
            d = unary(SEARCH + "Get", None, pb.Document)(pb.GetRequest(id="py-fee"), metadata=md, timeout=10)
            expect(d.title == "Transfer fee" and list(d.tags) == ["transfers"], f"document {d}")
            s = unary(SEARCH + "Stats", None, pb.StatsResponse)(pb.StatsRequest(), metadata=md, timeout=10)
            expect(s.documents >= 3, f"stats {s}")

        @check("errors: INVALID_ARGUMENT, NOT_FOUND, UNAUTHENTICATED")
        def _():
            search = unary(SEARCH + "Search", None, pb.SearchResponse)
            e = expect_status(lambda: search(pb.SearchRequest(text="", mode=pb.SEARCH_MODE_KEYWORD), metadata=md, timeout=10),
                              grpc.StatusCode.INVALID_ARGUMENT, "empty text")
            expect("text must not be empty" in e.details(), e.details())
            expect_status(lambda: search(pb.SearchRequest(text="x", mode=pb.SEARCH_MODE_KEYWORD, top_k=10001), metadata=md, timeout=10),
                          grpc.StatusCode.INVALID_ARGUMENT, "top_k too large")
            expect_status(lambda: unary(SEARCH + "Get", None, pb.Document)(pb.GetRequest(id="nope"), metadata=md, timeout=10),
                          grpc.StatusCode.NOT_FOUND, "unknown id")
            expect_status(lambda: search(pb.SearchRequest(text="x", mode=pb.SEARCH_MODE_KEYWORD), timeout=10),
                          grpc.StatusCode.UNAUTHENTICATED, "no api key")

        @check("server streams: WatchJob NOT_FOUND, health Watch of the product service")
        def _():
            watch = channel.unary_stream(FINETUNE + "WatchJob", request_serializer=lambda m: m.SerializeToString(),
                                         response_deserializer=ft.JobEvent.FromString)
            expect_status(lambda: list(watch(ft.WatchJobRequest(job_id="ft-missing"), metadata=md, timeout=10)),
                          grpc.StatusCode.NOT_FOUND, "unknown job")
            hw = channel.unary_stream("/grpc.health.v1.Health/Watch", request_serializer=lambda m: m.SerializeToString(),
                                      response_deserializer=health.HealthCheckResponse.FromString)
            stream = hw(health.HealthCheckRequest(service="semanticsearch.v1.SearchService"), timeout=10)
            first = next(stream)
            expect(first.status == health.HealthCheckResponse.SERVING, f"health {first}")
            stream.cancel()

        @check("ListJobs")
        def _():
            r = unary(FINETUNE + "ListJobs", None, ft.ListJobsResponse)(ft.ListJobsRequest(), metadata=md, timeout=10)
            expect(r is not None, "list jobs")

        @check("reflection lists semanticsearch.v1.SearchService and FineTuneService")
        def _():
            call = channel.stream_stream("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                         request_serializer=lambda m: m.SerializeToString(),
                                         response_deserializer=refl.ServerReflectionResponse.FromString)
            responses = list(call(iter([refl.ServerReflectionRequest(list_services="")]), metadata=md, timeout=10))
            names = [s.name for s in responses[0].list_services_response.service]
            for expected in ("semanticsearch.v1.SearchService", "semanticsearch.v1.FineTuneService", "grpc.health.v1.Health"):
                expect(expected in names, f"{expected} not in {names}")

        ok = 0
        for name, fn in checks:
            try:
                fn()
                ok += 1
                print(f"ok    {name}")
            except Exception as e:  # noqa: BLE001 - every failure is reported, then counted
                print(f"FAIL  {name}: {e}")
        print(f"summary: {ok} of {len(checks)} checks ok")
        channel.close()
        return 0 if ok == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
