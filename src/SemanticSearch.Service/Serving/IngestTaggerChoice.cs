using Microsoft.Extensions.Logging;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Storage;
using SemanticSearch.Index.Tagging;
using SemanticSearch.Model.Heads;

namespace SemanticSearch.Service.Serving;

/// <summary>
/// Which classifier head tags the documents the server receives through Upsert, so they get predicted
/// tags exactly as `semsearch index --classifier` gives them:
/// 1. `serve --classifier DIR`: that head. When the index records another head, the writer refuses it
///    if any document carries the recorded head's tags (re-tag first); the start-up log says so either way.
/// 2. otherwise the head the index records (tagging_head_*): the served model's own classifier/ head
///    when it is that head (same fingerprint), else the head folder the index records.
/// 3. otherwise none: an index without predicted tags does not start getting them implicitly.
/// When the head was trained on the served encoder, the tagger reuses the index's first-window
/// vectors and keeps that encoder as its own, so it stays usable after ActivateModel switches models.
/// Heads are never mixed: a recorded head the server cannot load is reported loudly, and upserts then
/// store no predicted tags (as CLI ingest without --classifier does).
/// </summary>
public static class IngestTaggerChoice
{
    public static DocumentTagger? Choose(string indexDirectory, string? classifierDirectory, SentenceEncoderAdapter? servedEncoder,
                                        HeadClassifier? classifyHead, ILogger log)
    {
        var recorded = RecordedHead(indexDirectory);
        DocumentTagger? tagger;
        if (classifierDirectory is not null)
        {
            tagger = Load(classifierDirectory, servedEncoder);
            if (recorded is not null && recorded.Fingerprint != tagger.HeadFingerprint)
                log.LogWarning("Classifier head {Head} (--classifier {Dir}) is not the head the index's predicted tags come from ({Recorded}{At}); " +
                               "the index is refused if any document carries the recorded head's tags (run 'semsearch retag' first), otherwise the new head replaces it",
                               tagger.HeadId, classifierDirectory, recorded.Id, recorded.Path is null ? "" : $" at '{recorded.Path}'");
        }
        else if (recorded is null) tagger = null;
        else if (classifyHead is not null && new DocumentTagger(classifyHead.Head).HeadFingerprint == recorded.Fingerprint)
            tagger = new DocumentTagger(classifyHead.Head, classifyHead.HeadFolder, Matching(classifyHead.Head, servedEncoder));
        else if (TryLoadRecorded(recorded, servedEncoder, out string why) is { } loaded)
            tagger = loaded;
        else
        {
            log.LogWarning("Index {Index} holds predicted tags of classifier head {Recorded}, which this server cannot load ({Why}); " +
                           "documents upserted over gRPC get NO predicted tags (re-texted ones lose theirs). Start with --classifier DIR to tag them",
                           indexDirectory, recorded.Id, why);
            tagger = null;
        }

        if (tagger is not null)
            log.LogInformation("Tagging at ingest: classifier head {Head} ({Labels} labels{Path}), {How}", tagger.HeadId, tagger.Head.Labels.Count,
                tagger.HeadPath is null ? "" : $", {tagger.HeadPath}",
                servedEncoder is not null && tagger.ReusesEmbeddingsOf(servedEncoder.Identity) ? "reusing the index's embeddings" : "embedding with the head's own encoder");
        if (classifyHead is not null && tagger is not null && new DocumentTagger(classifyHead.Head).HeadFingerprint != tagger.HeadFingerprint)
            log.LogWarning("Classify answers with the model's head ({ClassifyHead}), but documents are tagged at ingest with head {Head}: the two may disagree",
                           classifyHead.HeadFolder, tagger.HeadId);
        return tagger;
    }

    /// <summary>A head folder or a model folder holding one in classifier/ (as `index --classifier` takes).</summary>
    public static DocumentTagger Load(string dir, SentenceEncoderAdapter? servedEncoder)
    {
        var (headFolder, modelFolder) = Locate(dir);
        var head = ClassifierHead.Load(headFolder);
        var own = Matching(head, servedEncoder) ?? (modelFolder is null ? null : SentenceEncoderAdapter.Load(modelFolder));
        return new DocumentTagger(head, headFolder, own);
    }

    private static DocumentTagger? TryLoadRecorded(TaggingHead recorded, SentenceEncoderAdapter? servedEncoder, out string why)
    {
        why = "";
        if (recorded.Path is null) { why = "the index recorded no folder for it"; return null; }
        if (!Directory.Exists(recorded.Path)) { why = $"its folder '{recorded.Path}' is gone"; return null; }
        DocumentTagger tagger;
        try { tagger = Load(recorded.Path, servedEncoder); }
        catch (Exception e) when (e is IOException or FormatException or ModelMismatchException) { why = $"'{recorded.Path}': {e.Message}"; return null; }
        if (tagger.HeadFingerprint == recorded.Fingerprint) return tagger;
        why = $"'{recorded.Path}' now holds another head, {tagger.HeadId}"; // retrained in place since
        return null;
    }

    private static SentenceEncoderAdapter? Matching(ClassifierHead head, SentenceEncoderAdapter? servedEncoder) =>
        servedEncoder is not null && servedEncoder.Identity.Fingerprint == head.Config.EncoderFingerprint ? servedEncoder : null;

    private static (string HeadFolder, string? ModelFolder) Locate(string dir) =>
        HeadFolderLocation.Locate(dir, "classifier (--classifier / SEMSEARCH_CLASSIFIER)");

    private static TaggingHead? RecordedHead(string indexDirectory)
    {
        return TaggingHead.Read(indexDirectory);
    }
}
