using Grpc.Core;

namespace SemanticSearch.Service;

/// <summary>
/// A failure of the product API that the client caused or can act on. It carries the gRPC status it
/// is reported with; <see cref="Hosting.ErrorInterceptor"/> turns it into that status. Any other
/// exception from a handler (an <see cref="ArgumentException"/> included) is a bug: INTERNAL.
/// </summary>
public class ServiceException(StatusCode status, string message, Exception? inner = null) : Exception(message, inner)
{
    public StatusCode Status { get; } = status;
}
