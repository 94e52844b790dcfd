namespace SemanticSearch.Training.Data;

/// <summary>A training data file is malformed; the message starts with "file:line:" (line omitted for whole-file problems).</summary>
public sealed class TrainingDataException : Exception
{
    public TrainingDataException(string file, int? line, string problem)
        : base(line is null ? $"{file}: {problem}" : $"{file}:{line}: {problem}")
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    public string File { get; }
    public int? Line { get; }
    public string Problem { get; }
}
