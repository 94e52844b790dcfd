using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using SemanticSearch.Service.Api.V1;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// Every request body the README and the quickstart print, sent exactly as printed: grpcurl lines
/// (body parsed as protobuf JSON, as grpcurl does, and called over gRPC) and curl lines (REST).
/// </summary>
public sealed partial class DocumentedExamplesTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private static readonly string[] Documents = ["README.md", "tools/quickstart.sh", "src/SemanticSearch.Service/README.md"];

    [GeneratedRegex(@"grpcurl [^\n]*?-d '(?<body>[^']*)' \S+ (?<service>[\w.]+)/(?<method>\w+)")]
    private static partial Regex GrpcurlLine();

    [GeneratedRegex(@"curl [^\n]*?(?:-d '(?<body>[^']*)' )?http://\S+?(?<path>/v1/[^\s'""]+)")]
    private static partial Regex CurlLine();

    private static IEnumerable<(string File, Match Match)> Examples(Regex pattern) =>
        Documents.SelectMany(d => pattern.Matches(File.ReadAllText(Path.Combine(ApiTestCorpus.RepositoryRoot, d))).Select(m => (d, m)));

    [Fact]
    public async Task Every_printed_grpcurl_body_is_accepted()
    {
        var examples = Examples(GrpcurlLine()).ToList();
        Assert.NotEmpty(examples);
        var services = new[] { SearchReflection.Descriptor, FinetuneReflection.Descriptor }.SelectMany(f => f.Services).ToDictionary(s => s.FullName);
        foreach (var (file, m) in examples)
        {
            var method = services[m.Groups["service"].Value].FindMethodByName(m.Groups["method"].Value);
            var request = JsonParser.Default.Parse(m.Groups["body"].Value, method.InputType);
            var reply = await Call(method, request);
            Assert.True(reply.CalculateSize() > 0, $"{file}: {m.Value} answered an empty {method.OutputType.Name}");
        }
    }

    [Fact]
    public async Task Every_printed_curl_request_succeeds()
    {
        var examples = Examples(CurlLine()).ToList();
        Assert.NotEmpty(examples);
        using var http = RestTranscodingTests.Http(fixture.Server.Address, ApiServerFixture.ApiKey);
        foreach (var (file, m) in examples)
        {
            string path = m.Groups["path"].Value;
            var response = m.Groups["body"].Success
                ? await http.PostAsync(path, new StringContent(m.Groups["body"].Value, Encoding.UTF8, "application/json"))
                : await http.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{file}: {m.Value} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>A unary call built from descriptors alone, as grpcurl makes it from reflection.</summary>
    private async Task<IMessage> Call(MethodDescriptor method, IMessage request)
    {
        var marshaller = (MessageDescriptor type) => Grpc.Core.Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => type.Parser.ParseFrom(bytes));
        var grpcMethod = new Grpc.Core.Method<IMessage, IMessage>(Grpc.Core.MethodType.Unary, method.Service.FullName, method.Name,
            marshaller(method.InputType), marshaller(method.OutputType));
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(fixture.Server.Address);
        var headers = new Grpc.Core.Metadata { { "authorization", "Bearer " + ApiServerFixture.ApiKey } };
        return await channel.CreateCallInvoker().AsyncUnaryCall(grpcMethod, null, new Grpc.Core.CallOptions(headers, DateTime.UtcNow.AddMinutes(1)), request);
    }
}
