using SemanticSearch.Checkpoints;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Model.Weights;
using SemanticSearch.Tensors;

namespace SemanticSearch.Model.Tests;

/// <summary>
/// int8 models (Int8Quantizer, `semsearch model quantize`): a distinct fingerprint, a save/load round trip with the
/// same bits and fingerprint, batch invariance within the int8 path, clear errors for broken folders, and the
/// real all-MiniLM-L6-v2 staying within cosine 0.99 of its float embeddings.
/// </summary>
public class Int8ModelTests
{
    private static readonly object ThreadSetting = new();

    private static readonly string[] Texts =
    {
        "my card is not working", "how do i top up", "transfer money to my account", "lost pin", "the bank",
        "how do i transfer money to the bank account , my card is lost", "a", "is it working ?",
    };

    private static void AssertSameBits(float[][] expected, float[][] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(expected[i].AsSpan().SequenceEqual(actual[i]), $"{what}: text {i} differs");
    }

    [Fact]
    public void Quantized_model_has_its_own_fingerprint_and_survives_save_and_load()
    {
        using var dir = new TempDirectory();
        var fp32 = TinyModels.Create(dir, config: TinyModels.Config(hidden: 24, heads: 4, intermediate: 37));
        var int8 = Int8Quantizer.Quantize(fp32);
        Assert.NotEqual(fp32.Fingerprint, int8.Fingerprint);
        Assert.NotNull(int8.Transformer.Weights.Int8);
        Assert.Null(fp32.Transformer.Weights.Int8); // the float model is left as it was

        var before = int8.Encode(Texts);
        string folder = Path.Combine(dir.Path, "int8");
        int8.Save(folder);
        Assert.True(File.Exists(Path.Combine(folder, Int8Weights.ConfigFileName)));
        var tensors = SafeTensorsFile.Read(Path.Combine(folder, "model.safetensors"));
        Assert.Equal(TensorDType.I8, tensors["encoder.layer.0.intermediate.dense.weight"].SourceDType);
        Assert.Equal(new[] { 37 }, tensors["encoder.layer.0.intermediate.dense.weight_scale"].Shape);
        Assert.Equal(TensorDType.F32, tensors["embeddings.word_embeddings.weight"].SourceDType);

        var loaded = SentenceEncoder.Load(folder);
        Assert.Equal(int8.Fingerprint, loaded.Fingerprint);
        AssertSameBits(before, loaded.Encode(Texts), "int8 reloaded");

        // Saved again as int8 (not silently widened to float), and a float model saved over it drops the int8 config.
        string again = Path.Combine(dir.Path, "again");
        loaded.Save(again);
        Assert.Equal(int8.Fingerprint, SentenceEncoder.Load(again).Fingerprint);
        fp32.Save(again);
        Assert.False(File.Exists(Path.Combine(again, Int8Weights.ConfigFileName)));
        Assert.Equal(fp32.Fingerprint, SentenceEncoder.Load(again).Fingerprint);
    }

    [Fact]
    public void Int8_embeddings_do_not_depend_on_batch_order_or_threads()
    {
        using var dir = new TempDirectory();
        var int8 = Int8Quantizer.Quantize(TinyModels.Create(dir, seed: 3));
        var alone = Texts.Select(t => int8.Encode(new[] { t })[0]).ToArray();
        lock (ThreadSetting)
        {
            foreach (int threads in new[] { 1, 2 })
                using (ComputeThreads.Use(threads))
                {
                    AssertSameBits(alone, int8.Encode(Texts, batchSize: 64), $"one batch, {threads} thread(s)");
                    AssertSameBits(alone, int8.Encode(Texts, batchSize: 1), $"batches of 1, {threads} thread(s)");
                    var reversed = int8.Encode(Texts.Reverse().ToArray(), batchSize: 3).Reverse().ToArray();
                    AssertSameBits(alone, reversed, $"reversed, batches of 3, {threads} thread(s)");
                }
        }
    }

    [Fact]
    public void A_broken_int8_folder_is_refused_with_the_file_and_tensor_named()
    {
        using var dir = new TempDirectory();
        string folder = Path.Combine(dir.Path, "int8");
        Int8Quantizer.Quantize(TinyModels.Create(dir)).Save(folder);
        string weights = Path.Combine(folder, "model.safetensors");
        var tensors = SafeTensorsFile.Read(weights).Values.Where(t => t.Name != "encoder.layer.1.output.dense.weight_scale").ToList();
        SafeTensorsFile.Write(weights, tensors);
        var missing = Assert.Throws<CheckpointFormatException>(() => SentenceEncoder.Load(folder));
        Assert.Contains("encoder.layer.1.output.dense.weight_scale", missing.Message);
        Assert.Contains(weights, missing.Message);

        File.WriteAllText(Path.Combine(folder, Int8Weights.ConfigFileName), """{"quant_method": "gptq", "version": 1}""");
        var unknown = Assert.Throws<ModelConfigException>(() => SentenceEncoder.Load(folder));
        Assert.Contains("gptq", unknown.Message);
    }

    [Fact]
    public void Real_MiniLM_int8_stays_within_cosine_0_99_of_float()
    {
        var fp32 = SentenceEncoder.Load(Path.Combine(TestPaths.SharedData, "all-MiniLM-L6-v2"));
        var int8 = Int8Quantizer.Quantize(fp32);
        var texts = File.ReadLines(Path.Combine(TestPaths.SharedData, "banking77", "train.csv")).Skip(1).Where(l => l.LastIndexOf(',') > 0).Where((_, i) => i % 31 == 0).Take(300)
            .Select(l => l[..l.LastIndexOf(',')].Trim('"')).ToArray();
        Assert.Equal(300, texts.Length);
        var a = fp32.Encode(texts);
        var b = int8.Encode(texts);
        double sum = 0, min = 1;
        for (int i = 0; i < texts.Length; i++)
        {
            double cosine = 0;
            for (int j = 0; j < a[i].Length; j++) cosine += a[i][j] * b[i][j]; // both unit length (Normalize)
            sum += cosine;
            min = Math.Min(min, cosine);
        }
        double mean = sum / texts.Length;
        Assert.True(mean >= 0.99, $"mean cosine int8 vs float {mean:F4} (min {min:F4}) over {texts.Length} BANKING77 texts");
        Assert.True(min >= 0.95, $"min cosine int8 vs float {min:F4}");
    }
}
