using SemanticSearch.Training.Data;

namespace SemanticSearch.Training.Tests;

public class PairFileReaderTests
{
    private static TrainingDataException Fails(Action read) => Assert.Throws<TrainingDataException>(read);

    private static IReadOnlyList<AnchorPositiveExample> Mnrl(string text) => PairFileReader.ReadAnchorPositive(new StringReader(text), "train.jsonl");
    private static IReadOnlyList<ScoredPairExample> Scored(string text) => PairFileReader.ReadScoredPairs(new StringReader(text), "sts.jsonl");
    private static IReadOnlyList<LabelledPairExample> Labelled(string text) => PairFileReader.ReadLabelledPairs(new StringReader(text), "pairs.jsonl");

    [Fact]
    public void ReadsAllThreeFormats()
    {
        var mnrl = Mnrl("{\"anchor\":\"a\",\"positive\":\"b\",\"negative\":\"c\"}\n\n{\"anchor\":\"d\",\"positive\":\"e\",\"negative\":\"f\"}\n");
        Assert.Equal([new("a", "b", "c"), new("d", "e", "f")], mnrl);
        Assert.Null(Mnrl("{\"anchor\":\"a\",\"positive\":\"b\"}")[0].Negative);
        Assert.Equal(0.25f, Scored("{\"sentence1\":\"a\",\"sentence2\":\"b\",\"score\":0.25}")[0].Score);
        Assert.Equal([1, 0], Labelled("{\"sentence1\":\"a\",\"sentence2\":\"b\",\"label\":1}\n{\"sentence1\":\"c\",\"sentence2\":\"d\",\"label\":0}").Select(e => e.Label));
    }

    [Fact]
    public void ErrorsNameFileLineAndField()
    {
        var e = Fails(() => Mnrl("{\"anchor\":\"a\",\"positive\":\"b\"}\n{\"anchor\":\"a\"}"));
        Assert.Equal("train.jsonl:2: missing field \"positive\"", e.Message);
        Assert.Equal(2, e.Line);

        Assert.Equal("train.jsonl:1: field \"anchor\" must be a string, got number 5",
            Fails(() => Mnrl("{\"anchor\":5,\"positive\":\"b\"}")).Message);
        Assert.Equal("train.jsonl:1: field \"positive\" is empty", Fails(() => Mnrl("{\"anchor\":\"a\",\"positive\":\"  \"}")).Message);
        Assert.StartsWith("train.jsonl:1: unknown field \"negatve\"",
            Fails(() => Mnrl("{\"anchor\":\"a\",\"positive\":\"b\",\"negatve\":\"c\"}")).Message);
        Assert.StartsWith("train.jsonl:3: invalid JSON", Fails(() => Mnrl("{\"anchor\":\"a\",\"positive\":\"b\"}\n\n{oops")).Message);
        Assert.Contains("present on line 1 but missing on line 2",
            Fails(() => Mnrl("{\"anchor\":\"a\",\"positive\":\"b\",\"negative\":\"c\"}\n{\"anchor\":\"a\",\"positive\":\"b\"}")).Message);
        Assert.Equal("train.jsonl: no examples (file is empty or blank)", Fails(() => Mnrl("\n\n")).Message);
    }

    [Fact]
    public void ScoresAndLabelsAreRangeChecked()
    {
        Assert.StartsWith("sts.jsonl:1: field \"score\" is 3.5, expected a value in [0, 1]",
            Fails(() => Scored("{\"sentence1\":\"a\",\"sentence2\":\"b\",\"score\":3.5}")).Message);
        Assert.Equal("sts.jsonl:1: field \"score\" must be a number, got string \"0.5\"",
            Fails(() => Scored("{\"sentence1\":\"a\",\"sentence2\":\"b\",\"score\":\"0.5\"}")).Message);
        Assert.Equal("pairs.jsonl:1: field \"label\" is 2, expected 0 or 1",
            Fails(() => Labelled("{\"sentence1\":\"a\",\"sentence2\":\"b\",\"label\":2}")).Message);
        var single = Fails(() => Labelled("{\"sentence1\":\"a\",\"sentence2\":\"b\",\"label\":1}\n{\"sentence1\":\"c\",\"sentence2\":\"d\",\"label\":1}"));
        Assert.Equal("pairs.jsonl: every example has label 1; contrastive training needs both 0 and 1", single.Message);
        Assert.Null(single.Line);
    }

    [Fact]
    public void ReadsFromDiskAndReportsThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pairs-{Guid.NewGuid():N}.jsonl");
        try
        {
            File.WriteAllText(path, "{\"sentence1\":\"a\",\"sentence2\":\"b\",\"score\":1}\n{\"sentence1\":\"a\",\"score\":1}\n");
            var e = Assert.Throws<TrainingDataException>(() => PairFileReader.ReadScoredPairs(path));
            Assert.Equal($"{path}:2: missing field \"sentence2\"", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
