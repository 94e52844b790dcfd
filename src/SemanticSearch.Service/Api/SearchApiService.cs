using System.Diagnostics;
using Grpc.Core;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Serving;
using IndexSearch = SemanticSearch.Index.Search;

namespace SemanticSearch.Service.Api;

/// <summary>semanticsearch.v1.SearchService over one <see cref="ServedIndex"/>.</summary>
public sealed class SearchApiService(ServedIndex index, IClassifier? classifier = null) : SearchService.SearchServiceBase
{
    public const int MaxEncodeTexts = 1024;
    public const int UpsertBatchSize = 64;
    public const int MaxBatchDocuments = 1000;
    private const int EncodeChunk = 32;

    public override async Task<SearchResponse> Search(SearchRequest request, ServerCallContext context)
    {
        var clock = Stopwatch.StartNew();
        var query = SearchRequestMapper.ToIndexRequest(request, index.Binding is not null && index.Encoder is not null);
        if (query.Mode != IndexSearch.SearchMode.Keyword) RequireVectors($"{request.Mode} search");
        IndexSearch.SearchResults results;
        try
        {
            results = await index.ReadAsync(s => s.Search(query), context.CancellationToken);
        }
        catch (ArgumentException e) when (request.AdvancedSyntax)
        {
            throw ApiErrors.Invalid($"text is not a valid advanced (FTS5) query: {e.Message}");
        }
        return SearchRequestMapper.ToResponse(results, clock.ElapsedTicks * 1_000_000 / Stopwatch.Frequency, SearchRequestMapper.MaxResponseBytes);
    }

    public override Task<SearchResponse> FindSimilar(FindSimilarRequest request, ServerCallContext context)
    {
        int top = SearchRequestMapper.TopK(request.TopK);
        int offset = SearchRequestMapper.Offset(request.Offset);
        var tags = SearchRequestMapper.Tags(request.Tags);
        return request.SourceCase switch
        {
            FindSimilarRequest.SourceOneofCase.DocumentId => ById(),
            FindSimilarRequest.SourceOneofCase.Text => Search(ByText(), context),
            _ => throw SearchRequestMapper.Invalid("set document_id or text"),
        };

        Task<SearchResponse> ById()
        {
            SearchRequestMapper.RequireText(request.DocumentId, "document_id");
            RequireVectors("FindSimilar");
            return Similar();
        }

        async Task<SearchResponse> Similar()
        {
            var clock = Stopwatch.StartNew();
            try
            {
                var results = await index.ReadAsync(s => s.MoreLikeThis(request.DocumentId, top, offset, tags), context.CancellationToken);
                return SearchRequestMapper.ToResponse(results, clock.ElapsedTicks * 1_000_000 / Stopwatch.Frequency, SearchRequestMapper.MaxResponseBytes);
            }
            catch (KeyNotFoundException)
            {
                throw ApiErrors.NotFound($"no document with id '{ApiErrors.Quote(request.DocumentId)}'");
            }
        }

        SearchRequest ByText()
        {
            var search = new SearchRequest { Text = request.Text, Mode = SearchMode.Vector, TopK = top, Offset = offset };
            search.Tags.AddRange(tags);
            return search;
        }
    }

    public override async Task<EncodeResponse> Encode(EncodeRequest request, ServerCallContext context)
    {
        if (request.Texts.Count == 0 || request.Texts.Count > MaxEncodeTexts)
            throw SearchRequestMapper.Invalid($"texts must hold between 1 and {MaxEncodeTexts} texts, got {request.Texts.Count}");
        for (int i = 0; i < request.Texts.Count; i++) SearchRequestMapper.RequireText(request.Texts[i], $"texts[{i}]");
        var encoder = index.Encoder ?? throw ApiErrors.FailedPrecondition("the server has no model loaded (the index is keyword-only); Encode needs one");
        var texts = request.Texts.ToArray();
        var token = context.CancellationToken;
        // Through a read slot (encoding competes with searches for the same cores) and in chunks,
        // so a cancelled or timed-out call stops between chunks instead of encoding all 1,024 texts.
        var vectors = await index.ReadAsync(_ =>
        {
            var all = new List<float[]>(texts.Length);
            foreach (var chunk in texts.Chunk(EncodeChunk))
            {
                token.ThrowIfCancellationRequested();
                var sequences = chunk.Select(t => TokenWindowSplitter.QuerySequence(encoder.TokenIds(t), encoder.Identity.MaxSeqLength, encoder.ClsId, encoder.SepId)).ToList();
                all.AddRange(encoder.EncodeIds(sequences, EncodeChunk));
            }
            return all;
        }, token);
        var response = new EncodeResponse { Dimension = encoder.Identity.Dimension, ModelFingerprint = encoder.Identity.Fingerprint };
        foreach (var v in vectors)
        {
            var e = new Embedding();
            e.Values.AddRange(v);
            response.Embeddings.Add(e);
        }
        return response;
    }

    public override async Task<UpsertResponse> Upsert(IAsyncStreamReader<UpsertRequest> requests, ServerCallContext context)
    {
        var batcher = StartUpsert();
        while (await requests.MoveNext(context.CancellationToken))
        {
            await batcher.AddAsync(requests.Current.Document, context.CancellationToken);
        }
        await batcher.FlushAsync(context.CancellationToken);
        return batcher.Response;
    }

    public override async Task<UpsertResponse> UpsertBatch(UpsertBatchRequest request, ServerCallContext context)
    {
        if (request.Documents.Count is 0 or > MaxBatchDocuments)
            throw SearchRequestMapper.Invalid($"documents must hold between 1 and {MaxBatchDocuments} documents, got {request.Documents.Count}");
        var batcher = StartUpsert();
        foreach (var document in request.Documents) await batcher.AddAsync(document, context.CancellationToken);
        await batcher.FlushAsync(context.CancellationToken);
        return batcher.Response;
    }

    private UpsertBatcher StartUpsert()
    {
        if (index.Binding is not null && index.Encoder is null)
            throw ApiErrors.FailedPrecondition($"the index is bound to model {index.Binding.Identity.Fingerprint}, which the server did not load; documents cannot be embedded");
        return new UpsertBatcher(index, UpsertBatchSize);
    }

    public override async Task<DeleteResponse> Delete(DeleteRequest request, ServerCallContext context)
    {
        switch (request.TargetCase)
        {
            case DeleteRequest.TargetOneofCase.Ids:
                if (request.Ids.Ids.Count == 0) throw SearchRequestMapper.Invalid("ids must not be empty");
                for (int i = 0; i < request.Ids.Ids.Count; i++) SearchRequestMapper.RequireText(request.Ids.Ids[i], $"ids[{i}]");
                var ids = request.Ids.Ids.ToArray();
                return new DeleteResponse { Deleted = await index.WriteAsync(w => w.Delete(ids), context.CancellationToken) };
            case DeleteRequest.TargetOneofCase.Tag:
                SearchRequestMapper.RequireText(request.Tag, "tag");
                return new DeleteResponse { Deleted = await index.WriteAsync(w => w.DeleteByTag(request.Tag), context.CancellationToken) };
            default:
                throw SearchRequestMapper.Invalid("set ids or tag");
        }
    }

    public override async Task<Document> Get(GetRequest request, ServerCallContext context)
    {
        SearchRequestMapper.RequireText(request.Id, "id");
        var stored = await index.GetAsync(request.Id, context.CancellationToken)
            ?? throw ApiErrors.NotFound($"no document with id '{ApiErrors.Quote(request.Id)}'");
        var document = new Document { Id = stored.Id, Title = stored.Title, Text = stored.Text, MetadataJson = stored.MetadataJson ?? "" };
        document.Tags.AddRange(stored.Tags);
        return document;
    }

    public override async Task<StatsResponse> Stats(StatsRequest request, ServerCallContext context)
    {
        var stats = await index.ReadAsync(s => s.Stats(), context.CancellationToken);
        var response = new StatsResponse
        {
            Documents = stats.Documents,
            Vectors = stats.Windows,
            DistinctTags = stats.DistinctTags,
            Generation = stats.Generation,
            DatabaseBytes = stats.DatabaseBytes,
            VectorSearchAvailable = stats.Model is not null && index.Encoder is not null,
            PendingModelFingerprint = index.PendingModel?.Identity.Fingerprint ?? "",
            PendingDimension = index.PendingModel?.Identity.Dimension ?? 0,
        };
        if (stats.Model is { } model)
        {
            response.ModelFingerprint = model.Identity.Fingerprint;
            response.Dimension = model.Identity.Dimension;
            response.MaxSeqLength = model.Identity.MaxSeqLength;
        }
        PredictedTagStatsMapper.Fill(response, await index.ReadAsync(_ => Index.Tagging.PredictedTagStats.Read(index.Directory), context.CancellationToken), index.Tagger is not null);
        return response;
    }

    public override async Task<ClassifyResponse> Classify(ClassifyRequest request, ServerCallContext context)
    {
        if (classifier is null)
            throw ApiErrors.FailedPrecondition(
                "the served model has no classifier head (expected a 'classifier' folder inside the model folder; train one with the classifier trainer), so Classify cannot answer");
        if (request.Texts.Count == 0 || request.Texts.Count > MaxEncodeTexts)
            throw SearchRequestMapper.Invalid($"texts must hold between 1 and {MaxEncodeTexts} texts, got {request.Texts.Count}");
        for (int i = 0; i < request.Texts.Count; i++) SearchRequestMapper.RequireText(request.Texts[i], $"texts[{i}]");
        if (request.TopLabels < 0) throw SearchRequestMapper.Invalid($"top_labels must not be negative, got {request.TopLabels}");
        var texts = request.Texts.ToArray();
        int top = request.TopLabels == 0 ? 1 : request.TopLabels;
        var token = context.CancellationToken;
        var results = await index.ReadAsync(_ => texts.Chunk(EncodeChunk).SelectMany(chunk =>
        {
            token.ThrowIfCancellationRequested();
            return classifier.Classify(chunk, top);
        }).ToList(), token);
        var response = new ClassifyResponse();
        foreach (var result in results)
        {
            var c = new Classification();
            c.Labels.AddRange(result.Top.Select(l => new LabelScore { Label = l.Label, Score = l.Score }));
            c.AssignedLabels.AddRange(result.Assigned);
            response.Results.Add(c);
        }
        return response;
    }

    private void RequireVectors(string what)
    {
        if (index.Binding is null)
            throw ApiErrors.FailedPrecondition($"{what} needs vectors, but index '{index.Directory}' is keyword-only (built without a model); use SEARCH_MODE_KEYWORD");
        if (index.Encoder is null)
            throw ApiErrors.FailedPrecondition($"{what} needs the index's model ({index.Binding.Identity.Fingerprint}), which the server did not load");
    }
}
