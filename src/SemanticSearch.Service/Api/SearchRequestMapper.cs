using Grpc.Core;
using SemanticSearch.Service.Api.V1;
using IndexSearch = SemanticSearch.Index.Search;

namespace SemanticSearch.Service.Api;

/// <summary>
/// Turns API requests into index requests. Every rule is checked here so a bad request is refused
/// with INVALID_ARGUMENT naming the field, before any index work starts.
/// </summary>
public static class SearchRequestMapper
{
    public const int DefaultTopK = 10;
    /// <summary>Longest query text, in characters (a query is a sentence or a paragraph, not a document).</summary>
    public const int MaxQueryChars = 8192;
    /// <summary>Largest Search/FindSimilar response built; past it the call is RESOURCE_EXHAUSTED (lower top_k).</summary>
    public const int MaxResponseBytes = 8 * 1024 * 1024;

    /// <param name="vectorsAvailable">whether the index has vectors and the model is loaded: an unset mode is then hybrid, else keyword</param>
    public static IndexSearch.SearchRequest ToIndexRequest(SearchRequest request, bool vectorsAvailable = false)
    {
        RequireText(request.Text, "text");
        if (request.Text.Length > MaxQueryChars) throw Invalid($"text must be at most {MaxQueryChars} characters, got {request.Text.Length}");
        var mode = request.Mode switch
        {
            SearchMode.Keyword => IndexSearch.SearchMode.Keyword,
            SearchMode.Vector => IndexSearch.SearchMode.Vector,
            SearchMode.Hybrid => IndexSearch.SearchMode.Hybrid,
            SearchMode.Unspecified => vectorsAvailable ? IndexSearch.SearchMode.Hybrid : IndexSearch.SearchMode.Keyword,
            _ => throw Invalid($"mode {(int)request.Mode} is not a known SearchMode"),
        };
        var fusion = request.Fusion switch
        {
            Fusion.Unspecified or Fusion.ReciprocalRank => IndexSearch.FusionMethod.ReciprocalRank,
            Fusion.Linear => IndexSearch.FusionMethod.Linear,
            _ => throw Invalid($"fusion {(int)request.Fusion} is not a known Fusion"),
        };
        if (request.RrfK < 0 || double.IsNaN(request.RrfK)) throw Invalid($"rrf_k must be positive, got {request.RrfK}");
        if (request.KeywordWeight < 0 || request.VectorWeight < 0 || double.IsNaN(request.KeywordWeight) || double.IsNaN(request.VectorWeight))
            throw Invalid("keyword_weight and vector_weight must be non-negative");
        if (request.HasAlpha && !(request.Alpha >= 0 && request.Alpha <= 1)) throw Invalid($"alpha must be between 0 and 1, got {request.Alpha}");
        if (request.CandidateDepth < 0 || request.CandidateDepth > IndexSearch.SearchRequest.MaxTop)
            throw Invalid($"candidate_depth must be between 1 and {IndexSearch.SearchRequest.MaxTop} (0 for the default), got {request.CandidateDepth}");
        var predictedTags = Tags(request.PredictedTags, "predicted_tags");
        if (request.HasMinConfidence && !(request.MinConfidence >= 0 && request.MinConfidence <= 1))
            throw Invalid($"min_confidence must be between 0 and 1, got {request.MinConfidence}");
        if (request.HasMinConfidence && predictedTags.Count == 0) throw Invalid("min_confidence needs predicted_tags to apply to");
        bool defaultWeights = request.KeywordWeight == 0 && request.VectorWeight == 0;
        return new IndexSearch.SearchRequest(request.Text)
        {
            Mode = mode,
            Top = TopK(request.TopK),
            Offset = Offset(request.Offset),
            Tags = Tags(request.Tags),
            PredictedTags = predictedTags,
            MinPredictedConfidence = request.HasMinConfidence ? request.MinConfidence : 0,
            Fusion = fusion,
            RrfK = request.RrfK == 0 ? 60 : request.RrfK,
            KeywordWeight = defaultWeights ? 1 : request.KeywordWeight,
            VectorWeight = defaultWeights ? 1 : request.VectorWeight,
            Alpha = request.HasAlpha ? request.Alpha : 0.5,
            CandidateDepth = request.CandidateDepth == 0 ? 100 : request.CandidateDepth,
            AdvancedSyntax = request.AdvancedSyntax,
        };
    }

    /// <summary>top_k: 0 means the default; otherwise 1..10,000.</summary>
    public static int TopK(int topK)
    {
        if (topK == 0) return DefaultTopK;
        if (topK < 1 || topK > IndexSearch.SearchRequest.MaxTop)
            throw Invalid($"top_k must be between 1 and {IndexSearch.SearchRequest.MaxTop}, got {topK}");
        return topK;
    }

    public static int Offset(int offset)
    {
        if (offset < 0 || offset > IndexSearch.SearchRequest.MaxOffset)
            throw Invalid($"offset must be between 0 and {IndexSearch.SearchRequest.MaxOffset}, got {offset}");
        return offset;
    }

    public static IReadOnlyList<string> Tags(IEnumerable<string> tags, string field = "tags")
    {
        var list = tags.ToList();
        for (int i = 0; i < list.Count; i++)
            if (string.IsNullOrWhiteSpace(list[i])) throw Invalid($"{field}[{i}] must not be empty");
        return list;
    }

    public static void RequireText(string text, string field)
    {
        if (string.IsNullOrWhiteSpace(text)) throw Invalid($"{field} must not be empty");
        if (text.Length > MaxQueryChars) throw Invalid($"{field} must be at most {MaxQueryChars} characters, got {text.Length}");
    }

    public static RpcException Invalid(string message) => ApiErrors.Invalid(message);

    public static SearchResponse ToResponse(IndexSearch.SearchResults results, long tookMicros, int maxBytes = MaxResponseBytes)
    {
        long bytes = 0;
        var response = new SearchResponse
        {
            Mode = results.Mode switch
            {
                IndexSearch.SearchMode.Keyword => SearchMode.Keyword,
                IndexSearch.SearchMode.Vector => SearchMode.Vector,
                _ => SearchMode.Hybrid,
            },
            TookMicros = tookMicros,
        };
        foreach (var h in results.Hits)
        {
            var hit = new SearchHit { Rank = h.Rank, Id = h.Id, Title = h.Title, Snippet = h.Snippet, Score = h.Score };
            hit.Tags.AddRange(h.Tags);
            if (h.KeywordScore is double k) hit.KeywordScore = k;
            if (h.VectorScore is double v) hit.VectorScore = v;
            foreach (var p in h.PredictedTags) hit.PredictedTags.Add(new LabelScore { Label = p.Tag, Score = p.Confidence });
            bytes += hit.CalculateSize() + 8;
            if (bytes > maxBytes)
                throw ApiErrors.ResourceExhausted($"the {results.Hits.Count} hits would make a response over {maxBytes / (1024 * 1024)} MiB; ask for fewer (top_k)");
            response.Hits.Add(hit);
        }
        return response;
    }
}
