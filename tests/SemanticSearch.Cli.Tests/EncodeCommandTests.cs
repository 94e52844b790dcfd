using System.Globalization;
using System.Text;
using System.Text.Json;
using SemanticSearch.Model;

namespace SemanticSearch.Cli.Tests;

/// <summary>`semsearch encode` end to end through <see cref="CommandLine.Run(string[], TextWriter, TextWriter)"/>.</summary>
public class EncodeCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "semsearch-encode-tests-" + Guid.NewGuid().ToString("N"));
    private static readonly string ModelDir = Path.Combine(FindRepoRoot(), "tests", "fixtures", "reference", "models", "mini-mean-f32");

    public EncodeCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SemanticSearch.sln"))) return dir.FullName;
        throw new InvalidOperationException("SemanticSearch.sln not found");
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static List<(string Id, float[] Embedding)> ReadOutput(string jsonl) =>
        jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            return (doc.RootElement.GetProperty("id").GetString()!,
                doc.RootElement.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray());
        }).ToList();

    [Fact]
    public void Jsonl_input_gives_embeddings_in_input_order_equal_to_the_library()
    {
        string[] texts = { "My card is not working", "how do I top up?", "", "Ünïcödé text with émojis 🙂", "a much longer text about transferring money between two accounts at the same bank" };
        var lines = texts.Select((t, i) => JsonSerializer.Serialize(new { id = $"doc-{texts.Length - i}", text = t, extra = new[] { 1, 2 } })).ToList();
        lines.Insert(2, "   "); // blank lines are skipped
        File.WriteAllText(PathOf("in.jsonl"), string.Join("\n", lines) + "\n");

        var (code, _, err) = Run("encode", "--model", ModelDir, "--input", PathOf("in.jsonl"), "--output", PathOf("out.jsonl"), "--batch-size", "2", "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains("encoded 5 texts", err);

        var output = ReadOutput(File.ReadAllText(PathOf("out.jsonl")));
        var expected = SentenceEncoder.Load(ModelDir).Encode(texts);
        Assert.Equal(texts.Length, output.Count);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal($"doc-{texts.Length - i}", output[i].Id);
            Assert.Equal(expected[i], output[i].Embedding); // JSON floats round-trip exactly
        }
    }

    [Fact]
    public void Txt_input_uses_line_numbers_as_ids_and_stdout_output()
    {
        File.WriteAllText(PathOf("in.txt"), "first text\r\n\nthird text", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        var (code, stdout, err) = Run("encode", "--model", ModelDir, "--input", PathOf("in.txt"), "--output", "-");
        Assert.True(code == 0, err);
        var output = ReadOutput(stdout);
        Assert.Equal(new[] { "1", "2", "3" }, output.Select(o => o.Id));
        var expected = SentenceEncoder.Load(ModelDir).Encode(new[] { "first text", "", "third text" });
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], output[i].Embedding);
    }

    [Fact]
    public void Floats_are_written_in_shortest_round_trip_form()
    {
        File.WriteAllText(PathOf("in.txt"), "bank transfer\n");
        var (code, stdout, err) = Run("encode", "--model", ModelDir, "--input", PathOf("in.txt"), "--output", "-");
        Assert.True(code == 0, err);
        string array = stdout[(stdout.IndexOf('[') + 1)..stdout.IndexOf(']')];
        foreach (string number in array.Split(','))
        {
            float value = float.Parse(number, CultureInfo.InvariantCulture);
            Assert.Equal(value.ToString("R", CultureInfo.InvariantCulture), number);
        }
    }

    [Fact]
    public void Larger_input_than_one_chunk_keeps_order()
    {
        var texts = Enumerable.Range(0, 2500).Select(i => $"text number {i} " + new string('x', i % 37)).ToArray();
        File.WriteAllLines(PathOf("many.txt"), texts);
        var (code, _, err) = Run("encode", "--model", ModelDir, "--input", PathOf("many.txt"), "--output", PathOf("many.jsonl"));
        Assert.True(code == 0, err);
        var output = ReadOutput(File.ReadAllText(PathOf("many.jsonl")));
        Assert.Equal(Enumerable.Range(1, 2500).Select(i => i.ToString()), output.Select(o => o.Id));
        var encoder = SentenceEncoder.Load(ModelDir);
        foreach (int i in new[] { 0, 2047, 2048, 2499 }) Assert.Equal(encoder.Encode(new[] { texts[i] })[0], output[i].Embedding);
    }

    [Fact]
    public void Lines_longer_than_the_read_buffer_are_read_whole()
    {
        // 300 KB of text on one line (the reader's buffer starts at 64 KB), then a short line.
        string longText = string.Join(' ', Enumerable.Repeat("transfer", 33_000));
        File.WriteAllText(PathOf("long.jsonl"), JsonSerializer.Serialize(new { id = "long", text = longText }) + "\n{\"id\": 7, \"text\": \"short\"}");
        var (code, stdout, err) = Run("encode", "--model", ModelDir, "--input", PathOf("long.jsonl"), "--output", "-");
        Assert.True(code == 0, err);
        var output = ReadOutput(stdout);
        Assert.Equal(new[] { "long", "7" }, output.Select(o => o.Id));
        var expected = SentenceEncoder.Load(ModelDir).Encode(new[] { longText, "short" });
        Assert.Equal(expected[0], output[0].Embedding);
        Assert.Equal(expected[1], output[1].Embedding);
    }

    [Theory]
    [InlineData("{\"id\": \"b\"}", "missing \"text\"")]
    [InlineData("[\"not\", \"an object\"]", "expected a JSON object")]
    [InlineData("{\"id\": \"b\", \"text\": 42}", "\"text\" must be a string")]
    [InlineData("{\"id\": \"b\", \"text\": \"unterminated}", "invalid JSON")]
    [InlineData("{\"id\": \"b\", \"text\": \"x\"} {}", "invalid JSON")]
    public void Malformed_line_fails_naming_file_and_line_and_leaves_no_output(string badLine, string problem)
    {
        string input = PathOf("bad.jsonl");
        File.WriteAllText(input, "{\"id\": \"a\", \"text\": \"fine\"}\n" + badLine + "\n{\"id\": \"c\", \"text\": \"fine\"}\n");
        var (code, _, err) = Run("encode", "--model", ModelDir, "--input", input, "--output", PathOf("out.jsonl"));
        Assert.Equal(1, code);
        Assert.Contains($"{input}:2:", err);
        Assert.Contains(problem, err);
        Assert.False(File.Exists(PathOf("out.jsonl")));
        Assert.Empty(Directory.GetFiles(_dir).Where(f => f != input)); // no temp file left behind
    }

    [Fact]
    public void Invalid_utf8_is_reported_with_its_line()
    {
        string input = PathOf("bad.txt");
        File.WriteAllBytes(input, [.. "ok\nfine\n"u8, 0x66, 0xC3, 0x28, (byte)'\n']);
        var (code, _, err) = Run("encode", "--model", ModelDir, "--input", input, "--output", PathOf("out.jsonl"));
        Assert.Equal(1, code);
        Assert.Contains($"{input}:3: invalid UTF-8", err);
        Assert.False(File.Exists(PathOf("out.jsonl")));
    }

    [Fact]
    public void Failed_run_keeps_an_existing_output_file_intact()
    {
        File.WriteAllText(PathOf("out.jsonl"), "previous results\n");
        File.WriteAllText(PathOf("bad.jsonl"), "{\"text\": \"a\"}\nnot json\n");
        var (code, _, _) = Run("encode", "--model", ModelDir, "--input", PathOf("bad.jsonl"), "--output", PathOf("out.jsonl"));
        Assert.Equal(1, code);
        Assert.Equal("previous results\n", File.ReadAllText(PathOf("out.jsonl")));
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        Assert.Equal(2, Run("encode", "--model", ModelDir, "--input", "x.txt").Code); // no --output
        Assert.Equal(2, Run("encode", "--model", ModelDir, "--input", "x.txt", "--output", "-", "--batch-size", "0").Code);
        Assert.Equal(2, Run("encode", "--model", ModelDir, "--input", "x.txt", "--output", "-", "--bogus", "1").Code);
    }

    [Fact]
    public void Checkpoint_problem_names_the_file_and_tensor()
    {
        string model = PathOf("broken-model");
        Directory.CreateDirectory(model);
        foreach (string file in Directory.GetFiles(ModelDir)) File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        Directory.CreateDirectory(Path.Combine(model, "1_Pooling"));
        File.Copy(Path.Combine(ModelDir, "1_Pooling", "config.json"), Path.Combine(model, "1_Pooling", "config.json"));
        string weights = Path.Combine(model, "model.safetensors");
        var tensors = SemanticSearch.Checkpoints.SafeTensorsFile.Read(weights).Values.Where(t => t.Name != "encoder.layer.0.output.dense.weight").ToList();
        SemanticSearch.Checkpoints.SafeTensorsFile.Write(weights, tensors);
        File.WriteAllText(PathOf("in.txt"), "x\n");

        var (code, _, err) = Run("encode", "--model", model, "--input", PathOf("in.txt"), "--output", PathOf("out.jsonl"));
        Assert.Equal(1, code);
        Assert.Contains("model.safetensors", err);
        Assert.Contains("encoder.layer.0.output.dense.weight", err);
        Assert.False(File.Exists(PathOf("out.jsonl")));
    }

    [Fact]
    public void Bad_model_folder_is_a_one_line_error()
    {
        File.WriteAllText(PathOf("in.txt"), "x\n");
        Directory.CreateDirectory(PathOf("empty-model"));
        var (code, _, err) = Run("encode", "--model", PathOf("empty-model"), "--input", PathOf("in.txt"), "--output", "-");
        Assert.Equal(1, code);
        Assert.Contains("not a model folder", err);

        var (missingCode, _, missingErr) = Run("encode", "--model", ModelDir, "--input", PathOf("absent.txt"), "--output", "-");
        Assert.Equal(1, missingCode);
        Assert.Contains("absent.txt", missingErr);
    }
}
