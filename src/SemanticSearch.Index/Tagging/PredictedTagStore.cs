using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tagging;

/// <summary>The index's record of which classifier head its predicted tags come from.</summary>
internal static class PredictedTagHeads
{
    /// <summary>
    /// Refuses to mix heads: an index whose documents were classified by another head must be retagged
    /// first, otherwise a filter on a label would silently mean different things for different documents.
    /// Records the head when the index has none (or none of its documents is tagged).
    /// </summary>
    public static TaggingHead Adopt(IndexStore store, DocumentTagger tagger, string indexDirectory)
    {
        var recorded = TaggingHead.Read(store.Data);
        if (recorded is not null && recorded.Fingerprint == tagger.HeadFingerprint) return recorded;
        long others = store.Read(r => TermCounts.PerTerm(r, IndexFields.TagHead).Where(e => e.Key != tagger.HeadId).Sum(e => e.Value));
        if (others > 0)
            throw new ModelMismatchException(
                $"index '{indexDirectory}' holds predicted tags of {others} documents from another classifier head " +
                $"({recorded?.Id ?? "unknown"}{(recorded?.Path is null ? "" : $" at '{recorded.Path}'")}); re-tag it with the new head first: semsearch retag --index {indexDirectory} --classifier DIR");
        var head = tagger.Describe();
        store.Commit(scope => { head.Write(scope.Data); return 0; });
        return head;
    }
}
