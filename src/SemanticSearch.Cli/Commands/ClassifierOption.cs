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
    public static (string HeadFolder, string? ModelFolder) Locate(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"--classifier {dir}: folder not found");
        string nested = Path.Combine(dir, ClassifierHead.DefaultFolderName);
        if (File.Exists(Path.Combine(nested, ClassifierHeadConfig.FileName))) return (nested, dir);
        if (File.Exists(Path.Combine(dir, ClassifierHead.LabelsFileName)))
        {
            string? parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
            bool parentIsModel = parent is not null && (File.Exists(Path.Combine(parent, "modules.json")) || File.Exists(Path.Combine(parent, "config.json")));
            return (dir, parentIsModel ? parent : null);
        }
        throw new FileNotFoundException($"--classifier {dir}: neither a classifier head folder ({ClassifierHeadConfig.FileName}, {ClassifierHead.LabelsFileName}, " +
                                        $"{ClassifierHead.WeightsFileName}) nor a model folder with one in {ClassifierHead.DefaultFolderName}/ (train one with 'semsearch classifier train')");
    }

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
