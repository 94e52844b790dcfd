using Google.Protobuf;
using SemanticSearch.Checkpoints.Onnx;
using SemanticSearch.Checkpoints.Onnx.Proto;

namespace SemanticSearch.Checkpoints.Tests;

public class OnnxBertReaderTests : IDisposable
{
    private readonly TemporaryDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(TinyOnnxStorage.RawFloat)]
    [InlineData(TinyOnnxStorage.TypedFloat)]
    [InlineData(TinyOnnxStorage.RawHalf)]
    [InlineData(TinyOnnxStorage.TypedHalf)]
    [InlineData(TinyOnnxStorage.External)]
    public void Reads_every_parameter_under_its_BertModel_name_with_Linear_weights_transposed(TinyOnnxStorage storage)
    {
        var tiny = new TinyOnnxBert(storage);
        var export = OnnxBertReader.Read(tiny.Write(_dir.Path));

        Assert.Equal(tiny.Expected.Keys.Where(k => k != "embeddings.position_ids").Order(), export.Tensors.Keys.Order());
        foreach (var (name, (shape, data)) in tiny.Expected)
        {
            if (!export.Tensors.TryGetValue(name, out var tensor)) continue;
            Assert.Equal(shape, tensor.Shape);
            Assert.Equal(data, tensor.Data); // bit for bit: Equal on float[] compares exactly
        }
        Assert.Equal(new OnnxBertShape(TinyOnnxBert.Vocab, TinyOnnxBert.Hidden, TinyOnnxBert.Layers, TinyOnnxBert.Heads,
            TinyOnnxBert.Intermediate, TinyOnnxBert.Positions, 2, 1e-12, "gelu"), export.Shape);
        Assert.Equal("pytorch 1.10", export.Producer);
        Assert.Equal(13, export.OpsetVersion);
    }

    [Fact]
    public void Head_count_comes_from_the_attention_reshape_not_from_the_hidden_size()
    {
        var export = OnnxBertReader.Read(new TinyOnnxBert(heads: 4).Write(_dir.Path));
        Assert.Equal(4, export.Shape.NumAttentionHeads);
    }

    [Fact]
    public void Truncated_file_is_refused_naming_the_file()
    {
        string path = new TinyOnnxBert().Write(_dir.Path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<CheckpointFormatException>(() => OnnxBertReader.Read(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains("truncated or malformed", e.Message);
    }

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F }, "truncated or malformed")]
    [InlineData(new byte[] { 0x08, 0x07 }, "no graph")] // a valid ModelProto holding only ir_version
    public void Non_onnx_bytes_are_refused(byte[] content, string expected)
    {
        string path = Path.Combine(_dir.Path, "model.onnx");
        File.WriteAllBytes(path, content);
        var e = Assert.Throws<CheckpointFormatException>(() => OnnxBertReader.Read(path));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(path, e.Message);
    }

    [Fact]
    public void A_graph_that_is_not_BERT_is_refused_naming_the_node()
    {
        var tiny = new TinyOnnxBert();
        tiny.Model.Graph.Node.Add(new NodeProto { Name = "/conv1/Conv", OpType = "Conv", Input = { "input_ids" }, Output = { "features" } });
        string path = Path.Combine(_dir.Path, "model.onnx");
        File.WriteAllBytes(path, tiny.Model.ToByteArray());
        var e = Assert.Throws<CheckpointFormatException>(() => OnnxBertReader.Read(path));
        Assert.Contains("node '/conv1/Conv' (Conv)", e.Message);
        Assert.Contains("not part of a BERT encoder", e.Message);
    }

    [Fact]
    public void An_incomplete_encoder_is_refused_naming_the_missing_tensor()
    {
        var tiny = new TinyOnnxBert();
        var initializers = tiny.Model.Graph.Initializer;
        initializers.Remove(initializers.Single(t => t.Name == "encoder.layer.1.output.LayerNorm.bias"));
        string path = Path.Combine(_dir.Path, "model.onnx");
        File.WriteAllBytes(path, tiny.Model.ToByteArray());
        var e = Assert.Throws<CheckpointFormatException>(() => OnnxBertReader.Read(path));
        Assert.Equal("encoder.layer.1.output.LayerNorm.bias", e.TensorName);
        Assert.Contains("not a complete BERT encoder", e.Message);
    }

    [Fact]
    public void A_MatMul_weight_without_a_bias_to_name_it_is_refused_naming_the_weight()
    {
        string path = new TinyOnnxBert(withBias: false).Write(_dir.Path);
        var e = Assert.Throws<CheckpointFormatException>(() => OnnxBertReader.Read(path));
        Assert.StartsWith("onnx::MatMul_", e.TensorName);
        Assert.Contains("cannot tell which Linear layer", e.Message);
    }

    [Fact]
    public void A_fused_operator_domain_is_refused()
    {
        var tiny = new TinyOnnxBert();
        tiny.Model.Graph.Node[0].Domain = "com.microsoft";
        string path = Path.Combine(_dir.Path, "model.onnx");
        File.WriteAllBytes(path, tiny.Model.ToByteArray());
        Assert.Contains("operator domain 'com.microsoft'", Assert.Throws<CheckpointFormatException>(() => OnnxBertReader.Read(path)).Message);
    }

    [Fact]
    public void Missing_external_data_file_is_refused_naming_tensor_and_file()
    {
        string path = new TinyOnnxBert(TinyOnnxStorage.External).Write(_dir.Path);
        File.Delete(Path.Combine(_dir.Path, TinyOnnxBert.ExternalFileName));
        var e = Assert.Throws<CheckpointFormatException>(() => OnnxBertReader.Read(path));
        Assert.NotNull(e.TensorName);
        Assert.Contains($"external data file '{TinyOnnxBert.ExternalFileName}' not found", e.Message);
    }

    [Fact]
    public void Truncated_external_data_file_is_refused()
    {
        string path = new TinyOnnxBert(TinyOnnxStorage.External).Write(_dir.Path);
        string data = Path.Combine(_dir.Path, TinyOnnxBert.ExternalFileName);
        File.WriteAllBytes(data, File.ReadAllBytes(data)[..100]);
        Assert.Contains("lies outside", Assert.Throws<CheckpointFormatException>(() => OnnxBertReader.Read(path)).Message);
    }

    [Theory]
    [InlineData("../outside.bin")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/../../outside.bin")]
    public void External_data_locations_outside_the_model_folder_are_refused(string location)
    {
        var tiny = new TinyOnnxBert(TinyOnnxStorage.External);
        foreach (var t in tiny.Model.Graph.Initializer)
            foreach (var entry in t.ExternalData.Where(e => e.Key == "location")) entry.Value = location;
        string path = tiny.Write(_dir.Path);
        Assert.Contains("must be a relative path inside the model's folder", Assert.Throws<CheckpointFormatException>(() => OnnxBertReader.Read(path)).Message);
    }

    [Fact]
    public void A_symbolic_link_leading_out_of_the_model_folder_is_refused()
    {
        string model = Path.Combine(_dir.Path, "model");
        Directory.CreateDirectory(model);
        string path = new TinyOnnxBert(TinyOnnxStorage.External).Write(model);
        string outside = Path.Combine(_dir.Path, "outside.bin");
        File.Move(Path.Combine(model, TinyOnnxBert.ExternalFileName), outside);
        File.CreateSymbolicLink(Path.Combine(model, TinyOnnxBert.ExternalFileName), outside);
        Assert.Contains("leads outside the model's folder", Assert.Throws<CheckpointFormatException>(() => OnnxBertReader.Read(path)).Message);
    }
}
