using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// The google.api.http annotations through a plain <see cref="HttpClient"/> (HTTP/2 with prior
/// knowledge, as on the gRPC port): the same key, statuses and limits as gRPC.
/// </summary>
public sealed class RestTranscodingTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    internal static HttpClient Http(Uri address, string? key)
    {
        var http = new HttpClient
        {
            BaseAddress = address,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromMinutes(1),
        };
        if (key is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Search_get_stats_and_batch_upsert_answer_REST_JSON()
    {
        using var http = Http(fixture.Server.Address, ApiServerFixture.ApiKey);
        var search = await http.PostAsync("/v1/search", Json("""{"text":"passport","top_k":2}"""));
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        using (var body = JsonDocument.Parse(await search.Content.ReadAsStringAsync()))
        {
            Assert.Equal("SEARCH_MODE_HYBRID", body.RootElement.GetProperty("mode").GetString());
            Assert.Equal(2, body.RootElement.GetProperty("hits").GetArrayLength());
        }
        var upsert = await http.PostAsync("/v1/documents:batchUpsert", Json("""{"documents":[{"id":"rest-1","title":"Via REST","text":"a document sent as JSON"}]}"""));
        Assert.Equal(HttpStatusCode.OK, upsert.StatusCode);
        Assert.Contains("\"added\"", await upsert.Content.ReadAsStringAsync());
        var get = await http.GetAsync("/v1/documents/rest-1");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Contains("Via REST", await get.Content.ReadAsStringAsync());
        var stats = await http.GetAsync("/v1/stats");
        using (var body = JsonDocument.Parse(await stats.Content.ReadAsStringAsync()))
            Assert.True(long.Parse(body.RootElement.GetProperty("documents").ToString()) > 1);
    }

    [Fact]
    public async Task Errors_keep_their_status_and_the_key_is_required()
    {
        using var http = Http(fixture.Server.Address, ApiServerFixture.ApiKey);
        var missing = await http.GetAsync("/v1/documents/no-such-document");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var bad = await http.PostAsync("/v1/search", Json("""{"text":"","top_k":2}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("text must not be empty", await bad.Content.ReadAsStringAsync());
        using var anonymous = Http(fixture.Server.Address, null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/no-such-route")).StatusCode);
    }
}
