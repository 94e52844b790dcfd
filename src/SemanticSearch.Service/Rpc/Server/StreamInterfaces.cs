namespace SemanticSearch.Service.Rpc.Server;

/// <summary>The messages a client streams to a handler, read one at a time.</summary>
public interface IAsyncStreamReader<out T>
{
    T Current { get; }

    /// <summary>Advances to the next message; false when the client has finished sending.</summary>
    Task<bool> MoveNext(CancellationToken cancellationToken = default);
}

/// <summary>Where a handler writes streamed responses; each write is flushed to the client.</summary>
public interface IServerStreamWriter<in T>
{
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}

public static class AsyncStreamReaderExtensions
{
    /// <summary>Lets handlers write <c>await foreach (var m in requests.ReadAllAsync(ct))</c>.</summary>
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> reader,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await reader.MoveNext(cancellationToken))
        {
            yield return reader.Current;
        }
    }
}
