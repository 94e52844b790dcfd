using SemanticSearch.Service.Rpc;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Service.Api;

/// <summary>
/// Maps the index layer's exceptions to gRPC statuses. The index reports bad input with
/// ArgumentException and missing documents with KeyNotFoundException; everything else stays an
/// internal error (logged by the dispatcher, never echoed to the client).
/// </summary>
internal static class ApiErrors
{
    public static async Task<T> Translate<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (ArgumentException e)
        {
            throw new RpcException(StatusCode.InvalidArgument, e.Message);
        }
        catch (KeyNotFoundException e)
        {
            throw new RpcException(StatusCode.NotFound, e.Message);
        }
        catch (ModelMismatchException e)
        {
            throw new RpcException(StatusCode.FailedPrecondition, e.Message);
        }
    }

    public static RpcException NotFound(string message) => new(StatusCode.NotFound, message);

    public static RpcException FailedPrecondition(string message) => new(StatusCode.FailedPrecondition, message);
}
