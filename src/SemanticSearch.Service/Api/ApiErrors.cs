using Grpc.Core;

namespace SemanticSearch.Service.Api;

/// <summary>
/// Statuses the handlers answer with. The index reports bad input with ArgumentException and missing
/// documents with KeyNotFoundException; the handlers validate everything the index would refuse, so
/// those only count as client errors where a handler catches them around the one call that can
/// raise them for a valid-looking request (an FTS5 query, a document id). Anywhere else they are
/// bugs and <see cref="Hosting.ErrorInterceptor"/> reports INTERNAL.
/// </summary>
internal static class ApiErrors
{
    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    public static RpcException NotFound(string message) => new(new Status(StatusCode.NotFound, message));

    public static RpcException FailedPrecondition(string message) => new(new Status(StatusCode.FailedPrecondition, message));

    public static RpcException Unimplemented(string message) => new(new Status(StatusCode.Unimplemented, message));

    public static RpcException ResourceExhausted(string message) => new(new Status(StatusCode.ResourceExhausted, message));

    /// <summary>Client input quoted in a message, cut to a readable length.</summary>
    public static string Quote(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
