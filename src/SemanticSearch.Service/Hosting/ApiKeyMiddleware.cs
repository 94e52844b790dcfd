using System.Security.Cryptography;
using System.Text;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// "authorization: Bearer KEY" on every call but grpc.health.v1.Health, checked before the call
/// reaches any service (so an unauthenticated client learns nothing, not even which methods exist).
/// With an admin key, the methods <paramref name="isAdminMethod"/> names need it; the API key then
/// only reads. Keys are compared as SHA-256 digests in constant time (no length or prefix timing).
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, GrpcEndpointSettings settings, Func<string, bool> isAdminMethod)
{
    public const string HealthPrefix = "/grpc.health.v1.Health/";
    private readonly byte[]? _apiKey = Digest(settings.ApiKey);
    private readonly byte[]? _adminKey = Digest(settings.AdminKey);

    public Task InvokeAsync(HttpContext http)
    {
        if (_apiKey is null && _adminKey is null) return next(http);
        string method = http.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.FullName ?? http.Request.Path.Value ?? "";
        if (method.StartsWith(HealthPrefix, StringComparison.Ordinal)) return next(http);
        byte[]? presented = Digest(BearerToken(http.Request));
        bool admin = Matches(presented, _adminKey);
        bool reader = admin || Matches(presented, _apiKey) || (_apiKey is null && !isAdminMethod(method));
        if (!reader)
            return GrpcStatusNames.WriteAsync(http, StatusCode.Unauthenticated,
                presented is null ? "missing \"authorization: Bearer <api key>\"" : "the api key is not valid", StatusCodes.Status401Unauthorized);
        if (_adminKey is not null && !admin && isAdminMethod(method))
            return GrpcStatusNames.WriteAsync(http, StatusCode.PermissionDenied, "this method needs the admin key", StatusCodes.Status403Forbidden);
        return next(http);
    }

    private static string? BearerToken(HttpRequest request)
    {
        string header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    private static byte[]? Digest(string? key) => key is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static bool Matches(byte[]? presented, byte[]? expected) =>
        presented is not null && expected is not null && CryptographicOperations.FixedTimeEquals(presented, expected);
}
