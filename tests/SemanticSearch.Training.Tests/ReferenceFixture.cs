using System.Runtime.CompilerServices;
using System.Text.Json;

namespace SemanticSearch.Training.Tests;

/// <summary>
/// tests/fixtures/training/reference.json, written by tools/reference/make_training_reference.py (PyTorch float64
/// autograd). Located from this source file so the tests find it from any build output directory.
/// </summary>
internal static class ReferenceFixture
{
    private static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "tests", "fixtures", "training", "reference.json"))).RootElement);

    public static JsonElement Json => Root.Value;

    public static JsonElement LossCase(string name) =>
        Json.GetProperty("losses").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static IEnumerable<string> LossCaseNames() =>
        Json.GetProperty("losses").EnumerateArray().Select(c => c.GetProperty("name").GetString()!);

    public static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    public static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    public static string RepoRoot([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));

    /// <summary>The shared data folder (../shared/data next to the repository).</summary>
    public static string SharedData => Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "data"));
}
