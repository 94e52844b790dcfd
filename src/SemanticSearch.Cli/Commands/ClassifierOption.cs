using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Tagging;
using SemanticSearch.Model.Heads;

namespace SemanticSearch.Cli.Commands;

/// <summary>
/// --classifier DIR of `index` and `retag`: a model folder holding a head in classifier/, or the head
/// folder itself (then its parent folder, when it is a model folder, is the head's encoder). The
/// encoder is only loaded when the index's own vectors cannot be reused, i.e. when the head was
/// trained on another encoder than the one the index is bound to.
/// </summary>
internal static class ClassifierOption
{
    public static (string HeadFolder, string? ModelFolder) Locate(string dir) => HeadFolderLocation.Locate(dir, "--classifier");

    public static DocumentTagger Load(string dir, EncoderIdentity? indexEncoder)
    {
        var (headFolder, modelFolder) = Locate(dir);
        var head = ClassifierHead.Load(headFolder);
        ITextEncoder? own = null;
        if (indexEncoder?.Fingerprint != head.Config.EncoderFingerprint && modelFolder is not null)
            own = SentenceEncoderAdapter.Load(modelFolder);
        return new DocumentTagger(head, headFolder, own);
    }
}
