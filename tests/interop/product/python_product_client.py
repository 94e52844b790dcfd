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
    standard = os.path.join(repo_root, "tests", "interop", "protos")  # grpc.health.v1 / grpc.reflection schemas
    well_known = ["-I", "/usr/include"] if os.path.exists("/usr/include/google/protobuf/descriptor.proto") else []
    files += ["google/api/annotations.proto", "google/api/http.proto"]  # imported by the service protos
    subprocess.run(["protoc", "-I", protos, "-I", standard, *well_known, f"--python_out={out_dir}", *files], check=True)


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

        @check("Search: predicted_tags and min_confidence validation")
        def _():
            search = unary(SEARCH + "Search", None, pb.SearchResponse)
            e = expect_status(lambda: search(pb.SearchRequest(text="card", mode=pb.SEARCH_MODE_KEYWORD, min_confidence=0.5), metadata=md, timeout=10),
                              grpc.StatusCode.INVALID_ARGUMENT, "min_confidence without predicted_tags")
            expect("min_confidence needs predicted_tags" in e.details(), e.details())
            e = expect_status(lambda: search(pb.SearchRequest(text="card", mode=pb.SEARCH_MODE_KEYWORD, predicted_tags=["cards"], min_confidence=1.5),
                                             metadata=md, timeout=10), grpc.StatusCode.INVALID_ARGUMENT, "min_confidence 1.5")
            expect("min_confidence must be between 0 and 1" in e.details(), e.details())
            # This server tags nothing at ingest (no --classifier), so a predicted-tag filter matches no document.
            r = search(pb.SearchRequest(text="card", mode=pb.SEARCH_MODE_KEYWORD, predicted_tags=["cards"], min_confidence=0.0), metadata=md, timeout=10)
            expect(len(r.hits) == 0, f"predicted-tag filter on an untagged index gave {[h.id for h in r.hits]}")

        @check("FindSimilar: by document id and by text")
        def _():
            similar = unary(SEARCH + "FindSimilar", None, pb.SearchResponse)
            r = similar(pb.FindSimilarRequest(document_id="py-lost", top_k=5), metadata=md, timeout=10)
            ids = [h.id for h in r.hits]
            expect(sorted(ids) == ["py-fee", "py-rate"], f"similar to py-lost: {ids}")  # every other document, not itself
            expect(all(h.HasField("vector_score") and -1.0001 <= h.vector_score <= 1.0001 for h in r.hits), f"vector scores {r.hits}")
            r = similar(pb.FindSimilarRequest(text="freeze my lost card", top_k=2), metadata=md, timeout=10)
            expect(len(r.hits) == 2 and [h.rank for h in r.hits] == [1, 2], f"similar to text: {r.hits}")
            expect(r.hits[0].score >= r.hits[1].score, "scores best first")
            expect_status(lambda: similar(pb.FindSimilarRequest(document_id="py-none"), metadata=md, timeout=10),
                          grpc.StatusCode.NOT_FOUND, "unknown document id")

        @check("Encode: one unit vector per text, deterministic")
        def _():
            s = unary(SEARCH + "Stats", None, pb.StatsResponse)(pb.StatsRequest(), metadata=md, timeout=10)
            r = unary(SEARCH + "Encode", None, pb.EncodeResponse)(pb.EncodeRequest(texts=["lost card", "exchange rate", "lost card"]),
                                                                 metadata=md, timeout=10)
            expect(len(r.embeddings) == 3, f"{len(r.embeddings)} embeddings")
            expect(r.dimension > 0 and r.dimension == s.dimension, f"dimension {r.dimension}, stats {s.dimension}")
            expect(all(len(e.values) == r.dimension for e in r.embeddings), "every vector has the dimension")
            # The served test model ends with a Normalize module.
            norms = [sum(v * v for v in e.values) ** 0.5 for e in r.embeddings]
            expect(all(abs(n - 1) < 1e-3 for n in norms), f"norms {norms}")
            expect(list(r.embeddings[0].values) == list(r.embeddings[2].values), "same text, same vector")
            expect(list(r.embeddings[0].values) != list(r.embeddings[1].values), "different texts, different vectors")
            expect(len(r.model_fingerprint) == 64 and r.model_fingerprint == s.model_fingerprint, f"fingerprint {r.model_fingerprint}")

        @check("Classify: softmax over the head's labels, best first")
        def _():
            classify = unary(SEARCH + "Classify", None, pb.ClassifyResponse)
            r = classify(pb.ClassifyRequest(texts=["lost card", "transfer fee"], top_labels=3), metadata=md, timeout=10)
            expect(len(r.results) == 2, f"{len(r.results)} results")
            for c in r.results:
                labels = [l.label for l in c.labels]
                scores = [l.score for l in c.labels]
                expect(sorted(labels) == ["cards", "other", "transfers"], f"labels {labels}")
                expect(abs(sum(scores) - 1) < 1e-4, f"scores sum to {sum(scores)}")
                expect(scores == sorted(scores, reverse=True), f"scores not best first {scores}")
                expect(list(c.assigned_labels) == [labels[0]], f"assigned {list(c.assigned_labels)}")
            one = classify(pb.ClassifyRequest(texts=["lost card"], top_labels=1), metadata=md, timeout=10)
            expect([l.label for l in one.results[0].labels] == [r.results[0].labels[0].label], "top_labels 1")
            expect_status(lambda: classify(pb.ClassifyRequest(texts=[" "]), metadata=md, timeout=10),
                          grpc.StatusCode.INVALID_ARGUMENT, "blank text")

        @check("Delete: by id and by tag, then Get is NOT_FOUND")
        def _():
            def requests():
                for i, tags in (("py-tmp-1", ["temp"]), ("py-tmp-2", ["temp"]), ("py-tmp-3", [])):
                    yield pb.UpsertRequest(document=pb.Document(id=i, title="Temp", text=f"temporary document {i}", tags=tags))
            upsert = channel.stream_unary(SEARCH + "Upsert", request_serializer=lambda m: m.SerializeToString(),
                                          response_deserializer=pb.UpsertResponse.FromString)
            expect(upsert(requests(), metadata=md, timeout=30).added == 3, "3 temporary documents added")
            stats = unary(SEARCH + "Stats", None, pb.StatsResponse)
            before = stats(pb.StatsRequest(), metadata=md, timeout=10).documents
            delete = unary(SEARCH + "Delete", None, pb.DeleteResponse)
            r = delete(pb.DeleteRequest(ids=pb.IdList(ids=["py-tmp-3", "py-never-existed"])), metadata=md, timeout=10)
            expect(r.deleted == 1, f"deleted by id {r.deleted}")
            r = delete(pb.DeleteRequest(tag="temp"), metadata=md, timeout=10)
            expect(r.deleted == 2, f"deleted by tag {r.deleted}")
            expect(stats(pb.StatsRequest(), metadata=md, timeout=10).documents == before - 3, "stats follow")
            for gone in ("py-tmp-1", "py-tmp-3"):
                expect_status(lambda: unary(SEARCH + "Get", None, pb.Document)(pb.GetRequest(id=gone), metadata=md, timeout=10),
                              grpc.StatusCode.NOT_FOUND, f"Get {gone} after delete")
            hits = unary(SEARCH + "Search", None, pb.SearchResponse)(pb.SearchRequest(text="temporary", mode=pb.SEARCH_MODE_KEYWORD),
                                                                     metadata=md, timeout=10).hits
            expect(len(hits) == 0, f"deleted documents still found: {[h.id for h in hits]}")

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

        def watch_to_end(job_id):
            call = channel.unary_stream(FINETUNE + "WatchJob", request_serializer=lambda m: m.SerializeToString(),
                                        response_deserializer=ft.JobEvent.FromString)
            return list(call(ft.WatchJobRequest(job_id=job_id), metadata=md, timeout=180))

        state = {}

        @check("StartFineTune with inline pairs, WatchJob to SUCCEEDED, CancelJob of a second job")
        def _():
            start = unary(FINETUNE + "StartFineTune", None, ft.JobInfo)
            pairs = [ft.TrainingPair(text_a=a, text_b=b) for a, b in (
                ("Lost card", "I lost my card, please freeze it"), ("Exchange rate", "Which exchange rate do you use?"),
                ("Transfer fee", "How much is a transfer fee?"), ("Card arrival", "When will my new card arrive?"),
                ("Refund", "A refund can take ten days"), ("Top up", "Top up with a bank transfer"),
                ("Cash", "Cash withdrawal at an ATM"), ("Verify", "Upload a photo of your passport"))]
            job = start(ft.StartFineTuneRequest(pairs=ft.PairList(pairs=pairs), description="python interop",
                                                options=ft.TrainingOptions(batch_size=4, epochs=1, learning_rate=1e-4, seed=1)),
                        metadata=md, timeout=10)
            expect(job.job_id.startswith("ft-"), f"job id {job.job_id}")
            # A long second job, cancelled at once (queued behind the first, or running): it must end CANCELLED.
            long_job = start(ft.StartFineTuneRequest(pairs=ft.PairList(pairs=pairs), description="python interop cancel",
                                                     options=ft.TrainingOptions(batch_size=2, epochs=200, learning_rate=1e-4, seed=2)),
                             metadata=md, timeout=10)
            cancel = unary(FINETUNE + "CancelJob", None, ft.JobInfo)
            c = cancel(ft.CancelJobRequest(job_id=long_job.job_id), metadata=md, timeout=10)
            expect(c.job_id == long_job.job_id, f"cancel answered for {c.job_id}")
            events = watch_to_end(job.job_id)
            last = events[-1]
            expect(last.job.state == ft.JOB_STATE_SUCCEEDED, f"job ended {ft.JobState.Name(last.job.state)}: {last.job.message}")
            expect((last.job.step, last.job.total_steps) == (2, 2), f"steps {last.job.step}/{last.job.total_steps}")  # 8 pairs, batch 4
            expect(last.loss > 0 and last.loss < float("inf"), f"loss {last.loss}")
            expect(last.job.output_model != "", "output model")
            ended = watch_to_end(long_job.job_id)[-1]
            expect(ended.job.state == ft.JOB_STATE_CANCELLED, f"cancelled job ended {ft.JobState.Name(ended.job.state)}")
            # Cancelling a finished job changes nothing; an unknown one is NOT_FOUND.
            again = cancel(ft.CancelJobRequest(job_id=job.job_id), metadata=md, timeout=10)
            expect(again.state == ft.JOB_STATE_SUCCEEDED, f"finished job after CancelJob: {ft.JobState.Name(again.state)}")
            expect_status(lambda: cancel(ft.CancelJobRequest(job_id="ft-none"), metadata=md, timeout=10),
                          grpc.StatusCode.NOT_FOUND, "cancel unknown job")
            jobs = unary(FINETUNE + "ListJobs", None, ft.ListJobsResponse)(ft.ListJobsRequest(), metadata=md, timeout=10).jobs
            expect(any(j.job_id == job.job_id and j.state == ft.JOB_STATE_SUCCEEDED for j in jobs), "ListJobs has the job")
            state["job"] = job.job_id

        @check("ActivateModel of the trained job, WatchJob to SUCCEEDED, Stats shows the new model")
        def _():
            expect("job" in state, "no trained job (the fine-tune check failed)")
            stats = unary(SEARCH + "Stats", None, pb.StatsResponse)
            before = stats(pb.StatsRequest(), metadata=md, timeout=10)
            a = unary(FINETUNE + "ActivateModel", None, ft.ActivateModelResponse)(ft.ActivateModelRequest(job_id=state["job"]),
                                                                                 metadata=md, timeout=30)
            expect(a.activation_id.startswith("act-"), f"activation id {a.activation_id}")
            expect(a.documents == before.documents, f"activation re-embeds {a.documents} of {before.documents}")
            expect(len(a.pending_model_fingerprint) == 64 and a.pending_model_fingerprint != before.model_fingerprint,
                   f"pending {a.pending_model_fingerprint} vs {before.model_fingerprint}")
            done = watch_to_end(a.activation_id)[-1]
            expect(done.job.state == ft.JOB_STATE_SUCCEEDED, f"activation ended {ft.JobState.Name(done.job.state)}: {done.job.message}")
            after = stats(pb.StatsRequest(), metadata=md, timeout=10)
            expect(after.model_fingerprint == a.pending_model_fingerprint and after.pending_model_fingerprint == "",
                   f"stats model {after.model_fingerprint}, pending {after.pending_model_fingerprint!r}")
            expect(after.vectors == after.documents, f"vectors {after.vectors} of {after.documents}")
            enc = unary(SEARCH + "Encode", None, pb.EncodeResponse)(pb.EncodeRequest(texts=["lost card"]), metadata=md, timeout=10)
            expect(enc.model_fingerprint == a.pending_model_fingerprint, "Encode uses the activated model")
            expect_status(lambda: unary(FINETUNE + "ActivateModel", None, ft.ActivateModelResponse)(
                ft.ActivateModelRequest(job_id="ft-none"), metadata=md, timeout=10), grpc.StatusCode.NOT_FOUND, "activate unknown job")

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
