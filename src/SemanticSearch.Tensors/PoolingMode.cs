namespace SemanticSearch.Tensors;

/// <summary>How token vectors become one sentence vector (sentence-transformers' pooling modes).</summary>
public enum PoolingMode
{
    /// <summary>The first token's vector ([CLS]).</summary>
    Cls,
    /// <summary>Average over all tokens.</summary>
    Mean,
    /// <summary>Element-wise maximum over all tokens.</summary>
    Max,
    /// <summary>Sum over all tokens divided by √L.</summary>
    MeanSqrtLen,
}
