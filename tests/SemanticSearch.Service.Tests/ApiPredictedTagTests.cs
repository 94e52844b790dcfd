using SemanticSearch.Service.Api;
using SemanticSearch.Service.Api.V1;
using IndexSearch = SemanticSearch.Index.Search;
using RpcStatus = Grpc.Core.StatusCode;

namespace SemanticSearch.Service.Tests;

/// <summary>Predicted-tag filters in SearchRequest and predicted tags in hits, through the API mapping.</summary>
public sealed class ApiPredictedTagTests
{
    [Fact]
    public void Predicted_tags_and_min_confidence_reach_the_index_request()
    {
        var request = new SearchRequest { Text = "card", Mode = SearchMode.Vector, MinConfidence = 0.8 };
        request.PredictedTags.Add("lost_card");
        request.Tags.Add("faq");
        var r = SearchRequestMapper.ToIndexRequest(request);
        Assert.Equal(["lost_card"], r.PredictedTags);
        Assert.Equal(0.8, r.MinPredictedConfidence);
        Assert.Equal(["faq"], r.Tags);

        var unset = new SearchRequest { Text = "card", Mode = SearchMode.Vector };
        unset.PredictedTags.Add("lost_card");
        Assert.Equal(0, SearchRequestMapper.ToIndexRequest(unset).MinPredictedConfidence);
        Assert.Empty(SearchRequestMapper.ToIndexRequest(new SearchRequest { Text = "card", Mode = SearchMode.Vector }).PredictedTags);
    }

    [Theory]
    [InlineData("", 0.5, "predicted_tags[0] must not be empty")]
    [InlineData("lost_card", 1.5, "min_confidence must be between 0 and 1")]
    [InlineData("lost_card", -0.1, "min_confidence must be between 0 and 1")]
    [InlineData(null, 0.5, "min_confidence needs predicted_tags")]
    public void Bad_predicted_filters_are_INVALID_ARGUMENT_naming_the_field(string? tag, double minConfidence, string expected)
    {
        var request = new SearchRequest { Text = "card", Mode = SearchMode.Keyword, MinConfidence = minConfidence };
        if (tag is not null) request.PredictedTags.Add(tag);
        var e = Assert.Throws<Grpc.Core.RpcException>(() => SearchRequestMapper.ToIndexRequest(request));
        Assert.Equal(RpcStatus.InvalidArgument, e.StatusCode);
        Assert.Contains(expected, e.Status.Detail);
    }

    [Fact]
    public void Hits_carry_predicted_tags_with_their_confidence()
    {
        var hit = new IndexSearch.SearchHit(1, "d1", "t", "s", 0.5, 0.5, null, ["given"])
        {
            PredictedTags = [new("lost_card", 0.93), new("card_arrival", 0.41)],
        };
        var response = SearchRequestMapper.ToResponse(new IndexSearch.SearchResults([hit], IndexSearch.SearchMode.Keyword), 12);
        var h = Assert.Single(response.Hits);
        Assert.Equal(["given"], h.Tags);
        Assert.Equal([("lost_card", 0.93), ("card_arrival", 0.41)], h.PredictedTags.Select(p => (p.Label, p.Score)));
        // On the wire the field round-trips.
        var parsed = SearchHit.Parser.ParseFrom(Google.Protobuf.MessageExtensions.ToByteArray(h));
        Assert.Equal(2, parsed.PredictedTags.Count);
    }
}
