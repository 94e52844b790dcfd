namespace SemanticSearch.Tokenization;

/// <summary>Growable parallel arrays of word-piece ids and source offsets, reused across calls on one thread.</summary>
internal sealed class PieceBuffer
{
    public int[] Ids = new int[128];
    public int[] Starts = new int[128];
    public int[] Ends = new int[128];
    public int Count;

    public void Add(int id, int start, int end)
    {
        if (Count == Ids.Length)
        {
            int size = Ids.Length * 2;
            Array.Resize(ref Ids, size);
            Array.Resize(ref Starts, size);
            Array.Resize(ref Ends, size);
        }
        Ids[Count] = id;
        Starts[Count] = start;
        Ends[Count] = end;
        Count++;
    }
}
