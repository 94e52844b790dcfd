namespace SemanticSearch.Tensors;

/// <summary>BERT input embeddings: word + token-type + position lookups, summed per token.</summary>
public static class Embeddings
{
    /// <summary>
    /// output[t, :] = (wordEmb[tokenIds[t]] + typeEmb[tokenTypeIds[t]]) + posEmb[positionIds[t]]
    /// (the order in which Hugging Face's BertEmbeddings adds them). Shapes: output [T,H],
    /// ids [T], wordEmb [V,H], posEmb [P,H], typeEmb [TT,H].
    /// </summary>
    public static void Forward(Span<float> output, ReadOnlySpan<int> tokenIds, ReadOnlySpan<int> positionIds,
        ReadOnlySpan<int> tokenTypeIds, ReadOnlySpan<float> wordEmb, ReadOnlySpan<float> posEmb,
        ReadOnlySpan<float> typeEmb, int hidden)
    {
        const string K = nameof(Embeddings);
        if (hidden <= 0) throw new ArgumentOutOfRangeException(nameof(hidden), $"{K}: hidden must be positive, got {hidden}.");
        int tokens = tokenIds.Length;
        PackedSequences.RequireLength(positionIds.Length, tokens, K, nameof(positionIds));
        PackedSequences.RequireLength(tokenTypeIds.Length, tokens, K, nameof(tokenTypeIds));
        PackedSequences.RequireLength(output.Length, (long)tokens * hidden, K, nameof(output));
        int vocab = TableRows(wordEmb, hidden, nameof(wordEmb));
        int positions = TableRows(posEmb, hidden, nameof(posEmb));
        int types = TableRows(typeEmb, hidden, nameof(typeEmb));

        for (int t = 0; t < tokens; t++)
        {
            var word = wordEmb.Slice(Row(tokenIds[t], vocab, t, nameof(tokenIds)) * hidden, hidden);
            var type = typeEmb.Slice(Row(tokenTypeIds[t], types, t, nameof(tokenTypeIds)) * hidden, hidden);
            var pos = posEmb.Slice(Row(positionIds[t], positions, t, nameof(positionIds)) * hidden, hidden);
            var o = output.Slice(t * hidden, hidden);
            for (int h = 0; h < hidden; h++) o[h] = (word[h] + type[h]) + pos[h];
        }
    }

    private static int TableRows(ReadOnlySpan<float> table, int hidden, string name)
    {
        if (table.Length % hidden != 0)
            throw new ArgumentException($"{nameof(Embeddings)}: {name} length {table.Length} is not a multiple of hidden={hidden}.", name);
        return table.Length / hidden;
    }

    private static int Row(int id, int rows, int token, string name)
    {
        if ((uint)id >= (uint)rows)
            throw new ArgumentOutOfRangeException(name, $"{nameof(Embeddings)}: {name}[{token}]={id} is outside the table's {rows} rows.");
        return id;
    }

    /// <summary>
    /// Scatter-add of dOutput [T,H] into the tables it was gathered from: dWordEmb[tokenIds[t]], dTypeEmb[...],
    /// dPosEmb[...] += dOutput[t]. Tokens run in order on one thread, so repeated ids accumulate in a fixed order
    /// (deterministic, no races). An empty table gradient is skipped (frozen).
    /// </summary>
    public static void Backward(Span<float> dWordEmb, Span<float> dPosEmb, Span<float> dTypeEmb, ReadOnlySpan<float> dOutput,
        ReadOnlySpan<int> tokenIds, ReadOnlySpan<int> positionIds, ReadOnlySpan<int> tokenTypeIds, int hidden)
    {
        const string K = nameof(Embeddings);
        if (hidden <= 0) throw new ArgumentOutOfRangeException(nameof(hidden), $"{K}: hidden must be positive, got {hidden}.");
        int tokens = tokenIds.Length;
        PackedSequences.RequireLength(positionIds.Length, tokens, K, nameof(positionIds));
        PackedSequences.RequireLength(tokenTypeIds.Length, tokens, K, nameof(tokenTypeIds));
        PackedSequences.RequireLength(dOutput.Length, (long)tokens * hidden, K, nameof(dOutput));
        Scatter(dWordEmb, dOutput, tokenIds, hidden, nameof(dWordEmb));
        Scatter(dPosEmb, dOutput, positionIds, hidden, nameof(dPosEmb));
        Scatter(dTypeEmb, dOutput, tokenTypeIds, hidden, nameof(dTypeEmb));
    }

    private static void Scatter(Span<float> table, ReadOnlySpan<float> dOutput, ReadOnlySpan<int> ids, int hidden, string name)
    {
        if (table.IsEmpty) return;
        int rows = TableRows(table, hidden, name);
        for (int t = 0; t < ids.Length; t++)
        {
            var row = table.Slice(Row(ids[t], rows, t, name) * hidden, hidden);
            System.Numerics.Tensors.TensorPrimitives.Add(row, dOutput.Slice(t * hidden, hidden), row);
        }
    }
}
