namespace SemanticSearch.Model.Configuration;

/// <summary>
/// A model configuration file (config.json, modules.json, sentence_bert_config.json, 1_Pooling/config.json)
/// is missing, malformed or describes something this engine cannot run. The message names the file and,
/// when one field is at fault, that field. Derives from <see cref="FormatException"/> so command-line
/// tools report it as a one-line error.
/// </summary>
public sealed class ModelConfigException : FormatException
{
    public string FilePath { get; }
    public string? Field { get; }

    public ModelConfigException(string filePath, string? field, string problem, Exception? inner = null)
        : base(field is null ? $"{filePath}: {problem}" : $"{filePath}: field '{field}': {problem}", inner)
    {
        FilePath = filePath;
        Field = field;
    }
}
