using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using SemanticSearch.Checkpoints;
using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Model.Import;
using SemanticSearch.Training.Evaluation;

namespace SemanticSearch.Catalog.Tests;

/// <summary>The pulled and the imported all-MiniLM-L6-v2 against the shared copy, independent reference vectors and STS-b.</summary>
[Collection(PulledModelsCollection.Name)]
public class RealModelQualityTests(PulledModels pulled)
{
    [Fact]
    public void Import_of_the_package_ONNX_gives_the_shared_tensors_bit_for_bit_and_the_same_config()
    {
        using var dir = new TempDirectory();
        var model = ModelCatalog.AllMiniLmL6V2;
        string onnx = dir.File("model.onnx"), vocab = dir.File("vocab.txt");
        using (var output = File.Create(onnx)) AssemblyResourceFile.CopyResource(TestData.Assembly(model), model.OnnxResource, output);
        using (var output = File.Create(vocab)) AssemblyResourceFile.CopyResource(TestData.Assembly(model), model.VocabResource, output);
        Assert.Contains((byte)'\r', File.ReadAllBytes(vocab)); // the package's vocabulary has CRLF line ends

        var encoder = OnnxModelImport.FromFiles(onnx, vocab, new OnnxImportOptions { MaxSeqLength = 256 });
        string saved = Path.Combine(dir.Path, "saved");
        encoder.Save(saved);
        ModelPullTests.AssertSameWeights(Path.Combine(TestData.SharedMiniLm, "model.safetensors"), Path.Combine(saved, "model.safetensors"));
        Assert.Equal(BertConfig.Load(Path.Combine(TestData.SharedMiniLm, "config.json")), encoder.Transformer.Config);
        var shared = SentenceEncoder.Load(TestData.SharedMiniLm);
        Assert.Equal(shared.Fingerprint, encoder.Fingerprint); // same vocabulary, lower-casing, pooling and length too
    }

    [Fact]
    public void Pulled_model_reproduces_the_independent_reference_vectors_at_512_tokens()
    {
        using var dir = new TempDirectory();
        string model = CopyWithMaxSeqLength(pulled.MiniLm, dir.Path, 512);
        var encoder = SentenceEncoder.Load(model);
        string reference = Path.Combine(TestData.SharedData, "minilm-reference");
        var texts = File.ReadLines(Path.Combine(reference, "texts.jsonl"))
            .Select(line => JsonNode.Parse(line)!["text"]!.GetValue<string>()).ToList();
        var expected = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(reference, "embeddings.f32"))).ToArray();
        Assert.Equal(778, texts.Count);
        Assert.Equal(texts.Count * 384, expected.Length);

        var vectors = encoder.Encode(texts, batchSize: 32);
        var cosines = vectors.Select((v, i) => Cosine(v, expected.AsSpan(i * 384, 384))).ToArray();
        Assert.True(cosines.Average() >= 0.999, $"mean cosine {cosines.Average():F5}");
        Assert.True(cosines.Min() >= 0.99, $"min cosine {cosines.Min():F5} (text {Array.IndexOf(cosines, cosines.Min())})");
    }

    [Fact]
    public void Pulled_model_reproduces_the_published_STS_benchmark_test_Spearman()
    {
        var pairs = File.ReadLines(Path.Combine(TestData.SharedData, "stsbenchmark", "sts-test.csv"))
            .Select(line => line.Split('\t'))
            .Select(f => new ScoredSentencePair(f[5], f[6], double.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture) / 5))
            .ToList();
        Assert.Equal(1379, pairs.Count);
        var encoder = SentenceEncoder.Load(pulled.MiniLm);
        double spearman = 100 * new EmbeddingSimilarityEvaluator(pairs).Evaluate(texts => encoder.Encode(texts))["spearman_cosine"];
        Assert.InRange(spearman, 82.03 - 0.3, 82.03 + 0.3);
    }

    private static string CopyWithMaxSeqLength(string source, string parent, int maxSeqLength)
    {
        string copy = Path.Combine(parent, "model");
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(copy, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        string config = Path.Combine(copy, SentenceBertConfig.FileName);
        var json = JsonNode.Parse(File.ReadAllText(config))!;
        json["max_seq_length"] = maxSeqLength;
        File.WriteAllText(config, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return copy;
    }

    private static double Cosine(float[] a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * (double)b[i]; na += a[i] * (double)a[i]; nb += b[i] * (double)b[i]; }
        return dot / Math.Sqrt(na * nb);
    }
}
