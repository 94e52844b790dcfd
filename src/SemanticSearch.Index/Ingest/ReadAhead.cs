using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace SemanticSearch.Index.Ingest;

/// <summary>
/// Reads and parses an input on a second thread, a bounded number of records ahead, so parsing the
/// next batch overlaps the SQLite writes of the current one (ingest is otherwise single-threaded).
/// Records come out in input order; an exception of the reader is rethrown, with its own type and
/// stack, after every record read before it; a consumer that stops early stops the reader.
/// Records cross between the threads in chunks of <see cref="ChunkSize"/>: a hand-over per record
/// (a lock and a possible wake-up each) cost the writer thread ~1 µs per short document.
/// </summary>
internal static class ReadAhead
{
    public const int ChunkSize = 128;

    public static IEnumerable<T> Of<T>(IEnumerable<T> source, int capacity)
    {
        using var queue = new BlockingCollection<List<T>>(Math.Max(2, capacity / ChunkSize));
        using var stop = new CancellationTokenSource();
        ExceptionDispatchInfo? failure = null;
        var reader = Task.Factory.StartNew(() =>
        {
            var chunk = new List<T>(ChunkSize);
            try
            {
                foreach (var item in source)
                {
                    chunk.Add(item);
                    if (chunk.Count < ChunkSize) continue;
                    queue.Add(chunk, stop.Token);
                    chunk = new List<T>(ChunkSize);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { chunk.Clear(); }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
            finally
            {
                // The records read before a failure still come out, ahead of the exception.
                try { if (chunk.Count > 0) queue.Add(chunk, stop.Token); }
                catch (OperationCanceledException) { }
                queue.CompleteAdding();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            foreach (var chunk in queue.GetConsumingEnumerable())
                foreach (var item in chunk) yield return item;
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
