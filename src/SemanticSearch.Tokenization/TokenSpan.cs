namespace SemanticSearch.Tokenization;

/// <summary>
/// One word piece and where it came from: <see cref="Start"/> (inclusive) and <see cref="End"/> (exclusive)
/// are UTF-16 indices into the original, un-normalized input string, so callers can highlight the source text.
/// </summary>
public readonly record struct TokenSpan(int Id, int Start, int End);
