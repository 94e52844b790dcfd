namespace SemanticSearch.Training.Losses;

/// <summary>
/// Row-by-row cosine of two columns, cos_i = u_i · v_i with u, v the normalized rows
/// (sentence-transformers' pairwise_cos_sim). Keeps what the backward pass needs.
/// </summary>
internal sealed class PairwiseCosine
{
    private readonly double[] _u, _v, _nu, _nv;
    private readonly int _rows, _dim;

    public PairwiseCosine(EmbeddingBatch batch, int first = 0, int second = 1)
    {
        _rows = batch.Rows;
        _dim = batch.Dim;
        _u = RowNormalization.Forward(batch.Columns[first], _rows, _dim, out _nu);
        _v = RowNormalization.Forward(batch.Columns[second], _rows, _dim, out _nv);
        Cosines = new double[_rows];
        for (int i = 0; i < _rows; i++)
        {
            double dot = 0;
            for (int k = 0; k < _dim; k++) dot += _u[i * _dim + k] * _v[i * _dim + k];
            Cosines[i] = dot;
        }
    }

    /// <summary>cos [rows]</summary>
    public double[] Cosines { get; }

    /// <summary>dCos [rows] -> gradients of both columns [2][rows*dim]: du_i = dcos_i v_i, dv_i = dcos_i u_i.</summary>
    public float[][] Backward(ReadOnlySpan<double> dCos)
    {
        var du = new double[_rows * _dim];
        var dv = new double[_rows * _dim];
        for (int i = 0; i < _rows; i++)
            for (int k = 0; k < _dim; k++)
            {
                du[i * _dim + k] = dCos[i] * _v[i * _dim + k];
                dv[i * _dim + k] = dCos[i] * _u[i * _dim + k];
            }
        var grads = new[] { new float[_rows * _dim], new float[_rows * _dim] };
        RowNormalization.Backward(_u, _nu, du, grads[0], _rows, _dim);
        RowNormalization.Backward(_v, _nv, dv, grads[1], _rows, _dim);
        return grads;
    }
}
