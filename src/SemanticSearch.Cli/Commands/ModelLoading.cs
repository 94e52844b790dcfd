using SemanticSearch.Checkpoints;
using SemanticSearch.Model;
using SemanticSearch.Tokenization;

namespace SemanticSearch.Cli.Commands;

/// <summary>Loads --model for the training commands, turning every way a folder can be unusable into one clear error.</summary>
internal static class ModelLoading
{
    public static SentenceEncoder Load(string modelDir)
    {
        try
        {
            return SentenceEncoder.Load(modelDir);
        }
        catch (Exception e) when (e is CheckpointFormatException or TokenizerFormatException or FormatException or InvalidDataException or IOException)
        {
            throw new InvalidDataException($"cannot load --model {modelDir}: {e.Message}", e);
        }
    }
}
