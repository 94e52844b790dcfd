using SemanticSearch.Index.Tagging;
using SemanticSearch.Service.Api.V1;

namespace SemanticSearch.Service.Api;

/// <summary>The predicted-tag part of StatsResponse: what `semsearch stats` shows under "predicted tags".</summary>
internal static class PredictedTagStatsMapper
{
    public static void Fill(StatsResponse response, PredictedTagStats stats, bool taggingAtIngest)
    {
        response.TaggingHeadId = stats.Head?.Id ?? "";
        response.TaggingHeadFingerprint = stats.Head?.Fingerprint ?? "";
        response.TaggingAtIngest = taggingAtIngest;
        response.PredictedByHeadDocuments = stats.ByCurrentHead;
        response.PredictedUnknownDocuments = stats.UnknownByCurrentHead;
        response.PredictedByOtherHeadsDocuments = stats.ByOtherHeads;
        response.PredictedUntaggedDocuments = stats.Untagged;
        foreach (var (tag, documents) in stats.Tags)
            response.PredictedTagCounts.Add(new PredictedTagCount { Tag = tag, Documents = documents });
    }
}
