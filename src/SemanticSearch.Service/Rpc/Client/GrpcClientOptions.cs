using System.Net.Security;

namespace SemanticSearch.Service.Rpc.Client;

public sealed class GrpcClientOptions
{
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Null = no client-side limit on requests.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Sent as "authorization: Bearer {token}" on every call.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Gzip every request message (grpc-encoding: gzip).</summary>
    public bool CompressRequests { get; set; }

    /// <summary>Advertise gzip in grpc-accept-encoding so the server may compress responses.</summary>
    public bool AcceptCompressedResponses { get; set; } = true;

    /// <summary>For TLS with private CAs or self-signed test certificates.</summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }
}

/// <summary>Per-call settings.</summary>
public sealed class CallOptions
{
    public Metadata? Headers { get; init; }

    /// <summary>Absolute UTC deadline; sent as grpc-timeout and enforced locally too.</summary>
    public DateTime? Deadline { get; init; }

    /// <summary>Relative alternative to <see cref="Deadline"/>, measured from the call's start.</summary>
    public TimeSpan? Timeout { get; init; }

    public CancellationToken CancellationToken { get; init; }

    /// <summary>Overrides <see cref="GrpcClientOptions.CompressRequests"/> for this call.</summary>
    public bool? CompressRequest { get; init; }
}
