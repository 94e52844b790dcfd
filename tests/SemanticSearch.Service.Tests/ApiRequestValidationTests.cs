using Microsoft.Extensions.Configuration;
using SemanticSearch.Service.Api;
using SemanticSearch.Service.Api.V1;
using IndexSearch = SemanticSearch.Index.Search;
using RpcStatus = Grpc.Core.StatusCode;

namespace SemanticSearch.Service.Tests;

/// <summary>API request → index request: defaults for unset fields, and INVALID_ARGUMENT naming the field.</summary>
public sealed class ApiRequestValidationTests
{
    [Fact]
    public void Unset_fields_take_the_documented_defaults()
    {
        var r = SearchRequestMapper.ToIndexRequest(new SearchRequest { Text = "card", Mode = SearchMode.Hybrid });
        Assert.Equal(IndexSearch.SearchMode.Hybrid, r.Mode);
        Assert.Equal(10, r.Top);
        Assert.Equal(0, r.Offset);
        Assert.Equal(IndexSearch.FusionMethod.ReciprocalRank, r.Fusion);
        Assert.Equal(60, r.RrfK);
        Assert.Equal((1.0, 1.0), (r.KeywordWeight, r.VectorWeight));
        Assert.Equal(0.5, r.Alpha);
        Assert.Equal(100, r.CandidateDepth);
    }

    [Fact]
    public void Set_fields_are_passed_through()
    {
        var request = new SearchRequest { Text = "card", Mode = SearchMode.Hybrid, TopK = 7, Offset = 3, Fusion = Fusion.Linear, Alpha = 0, CandidateDepth = 20, KeywordWeight = 2, VectorWeight = 0 };
        request.Tags.Add("faq");
        var r = SearchRequestMapper.ToIndexRequest(request);
        Assert.Equal((7, 3, 0.0, 20), (r.Top, r.Offset, r.Alpha, r.CandidateDepth));
        Assert.Equal(IndexSearch.FusionMethod.Linear, r.Fusion);
        Assert.Equal((2.0, 0.0), (r.KeywordWeight, r.VectorWeight));
        Assert.Equal(["faq"], r.Tags);
    }

    [Theory]
    [InlineData("alpha", "alpha must be between 0 and 1")]
    [InlineData("offset", "offset must be between 0 and 100000")]
    [InlineData("tag", "tags[0] must not be empty")]
    [InlineData("depth", "candidate_depth must be between 1 and 10000")]
    [InlineData("fusion", "fusion 5 is not a known Fusion")]
    [InlineData("weights", "keyword_weight and vector_weight must be non-negative")]
    public void Bad_fields_are_INVALID_ARGUMENT_naming_the_field(string field, string expected)
    {
        var request = new SearchRequest { Text = "card", Mode = SearchMode.Hybrid };
        switch (field)
        {
            case "alpha": request.Alpha = 1.5; break;
            case "offset": request.Offset = -1; break;
            case "tag": request.Tags.Add(" "); break;
            case "depth": request.CandidateDepth = 10_001; break;
            case "fusion": request.Fusion = (Fusion)5; break;
            case "weights": request.KeywordWeight = -1; break;
        }
        var e = Assert.Throws<Grpc.Core.RpcException>(() => SearchRequestMapper.ToIndexRequest(request));
        Assert.Equal(RpcStatus.InvalidArgument, e.StatusCode);
        Assert.Contains(expected, e.Status.Detail);
    }

    [Fact]
    public void Settings_read_environment_style_keys_and_refuse_bad_values_by_name()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["index"] = "/tmp/x", ["port"] = "0", ["api_key"] = "k", ["searchers"] = "3",
        }).Build();
        var s = Hosting.ServerSettings.From(config);
        Assert.Equal(("/tmp/x", 0, "k", 3), (s.IndexDirectory, s.Port, s.ApiKey, s.Searchers));
        var missing = new ConfigurationBuilder().Build();
        Assert.Contains("index directory is required", Assert.Throws<ArgumentException>(() => Hosting.ServerSettings.From(missing)).Message);
        var badKey = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["index"] = "/tmp/x", ["tls-key"] = "/tmp/key.pem",
        }).Build();
        Assert.Contains("tls-key was given without tls-cert", Assert.Throws<ArgumentException>(() => Hosting.ServerSettings.From(badKey)).Message);
    }
}
