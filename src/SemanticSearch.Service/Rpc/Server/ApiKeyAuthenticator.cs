using System.Security.Cryptography;
using System.Text;

namespace SemanticSearch.Service.Rpc.Server;

/// <summary>Checks "authorization: Bearer {key}" metadata against the configured key.</summary>
internal sealed class ApiKeyAuthenticator
{
    private const string Scheme = "Bearer ";
    private readonly byte[] _expected;

    public ApiKeyAuthenticator(string apiKey) => _expected = SHA256.HashData(Encoding.UTF8.GetBytes(apiKey));

    public bool IsAuthorized(string? authorizationHeader)
    {
        if (authorizationHeader is null || !authorizationHeader.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorizationHeader[Scheme.Length..].Trim()));
        // Hashing equalizes lengths and the comparison is constant-time, so response timing reveals
        // nothing about how close a guessed key was.
        return CryptographicOperations.FixedTimeEquals(presented, _expected);
    }
}
