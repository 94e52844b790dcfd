using SemanticSearch.Training.Data;

namespace SemanticSearch.Training.Tests;

public class IntentTripletRecipeTests
{
    private static string Banking77Train => Path.Combine(ReferenceFixture.SharedData, "banking77", "train.csv");

    [Fact]
    public void Banking77TriplesHaveSameIntentPositivesAndOtherIntentNegatives()
    {
        var rows = IntentCsvReader.Read(Banking77Train);
        Assert.Equal(10003, rows.Count);
        Assert.Equal(77, rows.Select(r => r.Intent).Distinct().Count());
        var intentOf = rows.GroupBy(r => r.Text).ToDictionary(g => g.Key, g => g.Select(r => r.Intent).ToHashSet());
        var triplets = IntentTripletRecipe.Build(rows, seed: 42);
        Assert.True(triplets.Count > 9900, $"only {triplets.Count} triples");
        foreach (var t in triplets)
        {
            Assert.NotEqual(t.Anchor, t.Positive);
            Assert.Contains(t.AnchorIntent, intentOf[t.Positive]);
            Assert.NotEqual(t.AnchorIntent, t.NegativeIntent);
            Assert.Contains(t.NegativeIntent, intentOf[t.Negative]);
        }
    }

    [Fact]
    public void Banking77BatchesHaveNoSameIntentInBatchNegatives()
    {
        var triplets = IntentTripletRecipe.Build(IntentCsvReader.Read(Banking77Train), seed: 1);
        var batches = NoSameIntentBatchSampler.Batches(triplets, batchSize: 32, seed: 1);
        Assert.All(batches, b => Assert.Equal(32, b.Length));
        Assert.All(batches, b => Assert.Null(NoSameIntentBatchSampler.FindConflict(triplets, b)));
        var used = batches.SelectMany(b => b).ToList();
        Assert.Equal(used.Count, used.Distinct().Count());           // each triple at most once per epoch
        Assert.True(used.Count > triplets.Count * 0.9, $"greedy sampler used only {used.Count} of {triplets.Count}");
    }

    [Fact]
    public void SameSeedSameTriplesAndBatchesOtherSeedDiffers()
    {
        var rows = Enumerable.Range(0, 40).Select(i => new IntentUtterance($"text {i}", $"intent{i % 8}")).ToList();
        var a = IntentTripletRecipe.Build(rows, 3);
        Assert.Equal(a, IntentTripletRecipe.Build(rows, 3));
        Assert.NotEqual(a, IntentTripletRecipe.Build(rows, 4));
        var batchesA = NoSameIntentBatchSampler.Batches(a, 4, 9);
        Assert.Equal(batchesA, NoSameIntentBatchSampler.Batches(a, 4, 9));
        Assert.NotEqual(batchesA, NoSameIntentBatchSampler.Batches(a, 4, 10));
        Assert.All(batchesA, b => Assert.Null(NoSameIntentBatchSampler.FindConflict(a, b)));
    }

    [Fact]
    public void ConflictCheckFindsSameIntentAnchorsAndNegatives()
    {
        var t = new List<IntentTriplet>
        {
            new("a1", "a2", "b1", "A", "B"),
            new("a3", "a4", "c1", "A", "C"),
            new("c2", "c3", "a5", "C", "A"),
        };
        Assert.Contains("anchor intent 'A'", NoSameIntentBatchSampler.FindConflict(t, [0, 1]));
        Assert.Contains("negative of triple 2", NoSameIntentBatchSampler.FindConflict(t, [0, 2]));
        Assert.Null(NoSameIntentBatchSampler.FindConflict(t, [0]));
    }

    [Fact]
    public void CsvErrorsNameFileAndLine()
    {
        Assert.StartsWith("x.csv:1: header must name columns \"text\" and \"category\"",
            Assert.Throws<TrainingDataException>(() => IntentCsvReader.Read(new StringReader("utterance,intent\nhi,greet"), "x.csv")).Message);
        Assert.Equal("x.csv:3: unterminated quoted field",
            Assert.Throws<TrainingDataException>(() => IntentCsvReader.Read(new StringReader("text,category\nhi,greet\n\"oops,greet"), "x.csv")).Message);
        var quoted = IntentCsvReader.Read(new StringReader("text,category\n\"Hi, \"\"bank\"\"\",greet"), "x.csv");
        Assert.Equal("Hi, \"bank\"", quoted[0].Text);
    }
}
