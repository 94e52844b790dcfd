using SemanticSearch.Index.Search;

namespace SemanticSearch.Index.Tests;

public class FusionTests
{
    private static List<ScoredDoc> Ranking(params (long doc, double score)[] xs) => xs.Select(x => new ScoredDoc(x.doc, x.score)).ToList();

    [Fact]
    public void Rrf_sums_reciprocal_ranks_by_hand()
    {
        var keyword = Ranking((1, 9), (2, 5), (3, 1));
        var vector = Ranking((3, 0.9), (1, 0.8));
        var fused = new ReciprocalRankFusion(k: 60).Fuse(keyword, vector);
        // doc1: 1/61 + 1/62 ; doc3: 1/63 + 1/61 ; doc2: 1/62
        Assert.Equal(new long[] { 1, 3, 2 }, fused.Select(f => f.Doc));
        Assert.Equal(1.0 / 61 + 1.0 / 62, fused[0].Score, 12);
        Assert.Equal(1.0 / 63 + 1.0 / 61, fused[1].Score, 12);
        Assert.Equal(1.0 / 62, fused[2].Score, 12);
        Assert.Equal(9, fused[0].KeywordScore);
        Assert.Equal(0.8, fused[0].VectorScore);
        Assert.Null(fused[2].VectorScore);
        Assert.Equal(2, fused[0].VectorRank);
    }

    [Fact]
    public void Rrf_leg_weights_can_flip_the_order()
    {
        var keyword = Ranking((1, 9), (2, 5));
        var vector = Ranking((2, 0.9), (1, 0.8));
        Assert.Equal(1, new ReciprocalRankFusion(60, 1, 1).Fuse(keyword, vector)[0].Doc); // tie 1/61+1/62 both: smaller id first
        Assert.Equal(2, new ReciprocalRankFusion(60, 1, 2).Fuse(keyword, vector)[0].Doc);
        Assert.Equal(1, new ReciprocalRankFusion(60, 2, 1).Fuse(keyword, vector)[0].Doc);
        var k1 = new ReciprocalRankFusion(1, 1, 0).Fuse(keyword, vector);
        Assert.Equal(1.0 / 2, k1[0].Score, 12);
    }

    [Fact]
    public void Linear_fusion_min_max_normalizes_each_leg()
    {
        var keyword = Ranking((1, 10), (2, 6), (3, 2));   // normalized 1, 0.5, 0
        var vector = Ranking((3, 0.9), (2, 0.7), (4, 0.5)); // normalized 1, 0.5, 0
        var fused = new LinearScoreFusion(alpha: 0.25).Fuse(keyword, vector);
        var byDoc = fused.ToDictionary(f => f.Doc, f => f.Score);
        Assert.Equal(0.75 * 1 + 0.25 * 0, byDoc[1], 12);
        Assert.Equal(0.75 * 0.5 + 0.25 * 0.5, byDoc[2], 12);
        Assert.Equal(0.75 * 0 + 0.25 * 1, byDoc[3], 12);
        Assert.Equal(0, byDoc[4], 12);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, fused.Select(f => f.Doc));
        var vectorOnly = new LinearScoreFusion(alpha: 1).Fuse(keyword, vector);
        Assert.Equal(3, vectorOnly[0].Doc);
    }

    [Fact]
    public void Linear_fusion_handles_a_constant_or_empty_leg()
    {
        var fused = new LinearScoreFusion(0.5).Fuse(Ranking((1, 3), (2, 3)), new List<ScoredDoc>());
        Assert.All(fused, f => Assert.Equal(0.5, f.Score, 12));
        Assert.Empty(new LinearScoreFusion(0.5).Fuse(new List<ScoredDoc>(), new List<ScoredDoc>()));
    }

    [Fact]
    public void TopK_keeps_the_best_k_with_deterministic_ties()
    {
        var top = new TopK(3);
        foreach (var (doc, s) in new (long, float)[] { (5, 0.1f), (4, 0.9f), (3, 0.5f), (2, 0.5f), (1, 0.2f), (6, float.NaN) }) top.Offer(doc, s);
        Assert.Equal(new long[] { 4, 2, 3 }, top.ToSortedList().Select(x => x.Doc));
    }
}
