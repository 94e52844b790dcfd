using System.Text.Json;

namespace SemanticSearch.Checkpoints.Tests;

/// <summary>One tensor as recorded by tools/reference/make_checkpoint_fixtures.py.</summary>
internal sealed record ExpectedTensor(string Name, TensorDType DType, int[] Shape, float[]? Values, long[]? Integers);

/// <summary>
/// Locates the committed torch-made fixtures (tests/fixtures/checkpoints) from the repository root,
/// found by walking up from the test binaries to the folder holding SemanticSearch.sln.
/// </summary>
internal static class CheckpointFixtures
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Directory => Path.Combine(RepositoryRoot, "tests", "fixtures", "checkpoints");

    public static string File(string relativePath) => Path.Combine(Directory, relativePath);

    public static IReadOnlyList<ExpectedTensor> Expected(string fixtureName)
    {
        using JsonDocument document = JsonDocument.Parse(System.IO.File.ReadAllBytes(File(fixtureName + ".expected.json")));
        var result = new List<ExpectedTensor>();
        foreach (JsonElement tensor in document.RootElement.GetProperty("tensors").EnumerateArray())
        {
            result.Add(new ExpectedTensor(
                tensor.GetProperty("name").GetString()!,
                Enum.Parse<TensorDType>(tensor.GetProperty("dtype").GetString()!),
                tensor.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
                tensor.TryGetProperty("values", out JsonElement values)
                    ? values.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray() : null,
                tensor.TryGetProperty("integers", out JsonElement integers)
                    ? integers.EnumerateArray().Select(v => v.GetInt64()).ToArray() : null));
        }

        return result;
    }

    /// <summary>Asserts names (in order), dtypes, shapes and bit-exact values against the fixture's JSON.</summary>
    public static void AssertMatches(string fixtureName, IReadOnlyDictionary<string, NamedTensor> actual)
    {
        IReadOnlyList<ExpectedTensor> expected = Expected(fixtureName);
        Assert.Equal(expected.Select(e => e.Name), actual.Keys);
        foreach (ExpectedTensor want in expected)
        {
            NamedTensor got = actual[want.Name];
            Assert.Equal(want.DType, got.SourceDType);
            Assert.Equal(want.Shape, got.Shape);
            if (want.Values is not null)
            {
                Assert.Null(got.IntegerValues);
                Assert.Equal(want.Values.Select(BitConverter.SingleToInt32Bits), got.Data.Select(BitConverter.SingleToInt32Bits));
            }
            else
            {
                Assert.Equal(want.Integers, got.IntegerValues);
                Assert.Equal(want.Integers!.Select(v => (float)v), got.Data);
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(directory.FullName, "SemanticSearch.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no SemanticSearch.sln above {AppContext.BaseDirectory}");
    }
}
