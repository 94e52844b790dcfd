namespace SemanticSearch.Training.Evaluation;

/// <summary>Embedding helpers shared by the evaluators.</summary>
internal static class EmbeddingRows
{
    /// <summary>Calls the encoder in chunks and returns L2-normalized rows in double, checking the encoder's output.</summary>
    public static double[][] EmbedNormalized(Func<IReadOnlyList<string>, float[][]> embed, IReadOnlyList<string> texts, int batchSize)
    {
        var rows = new double[texts.Count][];
        int dim = -1;
        for (int start = 0; start < texts.Count; start += batchSize)
        {
            var chunk = texts.Skip(start).Take(batchSize).ToList();
            var vectors = embed(chunk);
            if (vectors.Length != chunk.Count)
                throw new InvalidOperationException($"encoder returned {vectors.Length} embeddings for {chunk.Count} texts");
            for (int i = 0; i < chunk.Count; i++)
            {
                var v = vectors[i];
                if (dim < 0) dim = v.Length;
                if (v.Length != dim)
                    throw new InvalidOperationException($"encoder returned dimension {v.Length} for text {start + i}, earlier {dim}");
                double norm = 0;
                foreach (float x in v) norm += (double)x * x;
                norm = Math.Max(Math.Sqrt(norm), 1e-12);
                rows[start + i] = v.Select(x => x / norm).ToArray();
            }
        }
        return rows;
    }

    public static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int k = 0; k < a.Length; k++) s += a[k] * b[k];
        return s;
    }
}
