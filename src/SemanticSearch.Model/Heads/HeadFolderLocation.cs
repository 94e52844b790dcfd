namespace SemanticSearch.Model.Heads;

/// <summary>
/// Where a classifier head lives, given what a user points at: a model folder holding the head in
/// classifier/ (sentence-transformers style, encoder + head in one folder), or the head folder itself —
/// then its parent, when that is a model folder, is the head's encoder. The CLI (`index`/`retag
/// --classifier`) and the service (`serve --classifier`) accept the same two shapes through this one rule.
/// </summary>
public static class HeadFolderLocation
{
    /// <param name="dir">The folder the user gave.</param>
    /// <param name="optionName">How the user gave it, to start every error message with (e.g. "--classifier").</param>
    public static (string HeadFolder, string? ModelFolder) Locate(string dir, string optionName)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{optionName} {dir}: folder not found");
        string nested = Path.Combine(dir, ClassifierHead.DefaultFolderName);
        if (File.Exists(Path.Combine(nested, ClassifierHeadConfig.FileName))) return (nested, dir);
        if (File.Exists(Path.Combine(dir, ClassifierHead.LabelsFileName)))
        {
            string? parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
            bool parentIsModel = parent is not null && (File.Exists(Path.Combine(parent, "modules.json")) || File.Exists(Path.Combine(parent, "config.json")));
            return (dir, parentIsModel ? parent : null);
        }
        throw new FileNotFoundException($"{optionName} {dir}: neither a classifier head folder ({ClassifierHeadConfig.FileName}, {ClassifierHead.LabelsFileName}, " +
                                        $"{ClassifierHead.WeightsFileName}) nor a model folder with one in {ClassifierHead.DefaultFolderName}/ (train one with 'semsearch classifier train')");
    }
}
