using SemanticSearch.Training.Metrics;

namespace SemanticSearch.Training.Tests;

public class MetricsOutputTests
{
    private static List<MetricsRecord> Run() =>
    [
        MetricsRecord.Of(1, "train", ("loss", 2.5), ("lr", 2e-5)),
        MetricsRecord.Of(2, "train", ("loss", 1.75), ("lr", 4e-5)),
        MetricsRecord.Of(2, "eval", ("ndcg@10", 0.5), ("spearman_cosine", 0.25)),
        MetricsRecord.Of(3, "train", ("loss", double.NaN), ("lr", 6e-5)),
        MetricsRecord.Of(4, "train", ("loss", 1.0), ("lr", 8e-5)),
        MetricsRecord.Of(4, "eval", ("ndcg@10", 0.625), ("spearman_cosine", 0.5)),
    ];

    [Fact]
    public void JsonlLinesAreExactAndNonFiniteBecomesNull()
    {
        Assert.Equal("{\"step\":1,\"kind\":\"train\",\"loss\":2.5,\"lr\":2E-05}", MetricsJsonlWriter.Format(Run()[0]));
        Assert.Equal("{\"step\":3,\"kind\":\"train\",\"loss\":null,\"lr\":6E-05}", MetricsJsonlWriter.Format(Run()[3]));
        Assert.Throws<ArgumentException>(() => MetricsJsonlWriter.Format(MetricsRecord.Of(1, "train", ("step", 1))));
    }

    [Fact]
    public void FileRoundTripsThroughTheReader()
    {
        string path = Path.Combine(Path.GetTempPath(), $"metrics-{Guid.NewGuid():N}.jsonl");
        try
        {
            using (var writer = MetricsJsonlWriter.Open(path))
                foreach (var r in Run()) writer.Write(r);
            Assert.Equal(6, File.ReadAllLines(path).Length);
            var back = MetricsJsonlReader.Read(path);
            Assert.Equal(4, back[4].Step);
            Assert.Equal(0.625, back[5].Values[0].Value);
            Assert.True(double.IsNaN(back[3].Values[0].Value));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SvgHasOnePanelPerScaleWithLegendAndIsDeterministic()
    {
        string svg = MetricsSvgChart.Render(Run());
        Assert.Equal(svg, MetricsSvgChart.Render(Run()));
        Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"560\"", svg);
        Assert.EndsWith("</svg>\n", svg);
        Assert.Contains(">loss</text>", svg);
        Assert.Contains(">evaluation</text>", svg);
        Assert.Contains(">ndcg@10</text>", svg);
        Assert.Contains(">spearman_cosine</text>", svg);
        Assert.DoesNotContain(">lr</text>", svg);                  // the learning rate is not a loss or an evaluation
        Assert.Equal(3, svg.Split("<polyline").Length - 1);        // loss (NaN step skipped), ndcg, spearman
        Assert.Contains(">2.5</text>", svg);                       // top y tick of the loss panel = max finite loss
        Assert.DoesNotContain("NaN", svg);
        var doc = System.Xml.Linq.XDocument.Parse(svg);            // well-formed XML
        Assert.Equal("svg", doc.Root!.Name.LocalName);
    }
}
