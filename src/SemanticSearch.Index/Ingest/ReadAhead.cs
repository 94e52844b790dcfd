using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace SemanticSearch.Index.Ingest;

/// <summary>
/// Reads and parses an input on a second thread, a bounded number of records ahead, so parsing the
/// next batch overlaps the SQLite writes of the current one (ingest is otherwise single-threaded).
/// Records come out in input order; an exception of the reader is rethrown, with its own type and
/// stack, after every record read before it; a consumer that stops early stops the reader.
/// </summary>
internal static class ReadAhead
{
    public static IEnumerable<T> Of<T>(IEnumerable<T> source, int capacity)
    {
        using var queue = new BlockingCollection<T>(capacity);
        using var stop = new CancellationTokenSource();
        ExceptionDispatchInfo? failure = null;
        var reader = Task.Factory.StartNew(() =>
        {
            try { foreach (var item in source) queue.Add(item, stop.Token); }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
            finally { queue.CompleteAdding(); }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            foreach (var item in queue.GetConsumingEnumerable()) yield return item;
            reader.Wait();
            failure?.Throw();
        }
        finally
        {
            stop.Cancel();
            reader.Wait(); // the reader never throws (it records failures), so this only waits for it to close the input
        }
    }
}
