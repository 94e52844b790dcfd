namespace SemanticSearch.Checkpoints.Tests;

public sealed class NamedTensorTests
{
    [Fact]
    public void Data_length_must_match_the_shape()
    {
        var error = Assert.Throws<ArgumentException>(() => new NamedTensor("w", [2, 3], new float[5]));
        Assert.Contains("'w'", error.Message);
        Assert.Contains("6 elements", error.Message);
    }

    [Fact]
    public void Negative_dimensions_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new NamedTensor("w", [-1], []));
    }

    [Fact]
    public void Shape_is_copied_and_element_count_computed()
    {
        int[] shape = [2, 2];
        var tensor = new NamedTensor("w", shape, [1f, 2f, 3f, 4f]);
        shape[0] = 7;
        Assert.Equal([2, 2], tensor.Shape);
        Assert.Equal(4, tensor.ElementCount);
    }

    [Fact]
    public void Integer_tensors_need_an_integer_dtype()
    {
        Assert.Throws<ArgumentException>(() => NamedTensor.FromIntegers("ids", [1], [1], TensorDType.F32));
    }
}
