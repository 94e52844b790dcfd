namespace SemanticSearch.Tokenization;

/// <summary>
/// WordPiece: greedy longest-match-first over one word, continuation pieces carrying the subword prefix.
/// A word with any unmatched remainder, or longer than the per-word limit (in code points), becomes the unknown token.
/// </summary>
internal sealed class WordPieceMatcher
{
    private readonly Vocabulary _vocabulary;
    private readonly string _prefix;
    private readonly int _maxInputCharsPerWord;
    private readonly int _unkId;

    public WordPieceMatcher(Vocabulary vocabulary, string continuingSubwordPrefix, int maxInputCharsPerWord, int unkId)
    {
        _vocabulary = vocabulary;
        _prefix = continuingSubwordPrefix;
        _maxInputCharsPerWord = maxInputCharsPerWord;
        _unkId = unkId;
    }

    /// <summary>Size of the scratch buffer <see cref="AppendPieces"/> needs: prefix plus the longest probe.</summary>
    public int ScratchLength => _prefix.Length + _vocabulary.MaxTokenLength;

    /// <summary>Appends the pieces of <c>words.Chars[wordStart..wordEnd)</c> to <paramref name="output"/>.</summary>
    public void AppendPieces(NormalizedWords words, int wordStart, int wordEnd, PieceBuffer output, Span<char> scratch)
    {
        var word = words.Chars.AsSpan(wordStart, wordEnd - wordStart);
        if (word.Length > _maxInputCharsPerWord && CountCodePoints(word) > _maxInputCharsPerWord)
        {
            output.Add(_unkId, words.SourceStarts[wordStart], words.SourceEnds[wordEnd - 1]);
            return;
        }

        int firstPiece = output.Count;
        _prefix.AsSpan().CopyTo(scratch);
        int start = 0;
        while (start < word.Length)
        {
            // A continuation probe is prefix + substring and must fit in the longest vocabulary entry.
            int keyPrefix = start == 0 ? 0 : _prefix.Length;
            int end = Math.Min(word.Length, start + _vocabulary.MaxTokenLength - keyPrefix);
            end = AlignToCodePoint(word, end);
            int matchedId = -1;
            while (end > start)
            {
                bool found;
                if (start == 0)
                {
                    found = _vocabulary.TryGetId(word[..end], out matchedId);
                }
                else
                {
                    word[start..end].CopyTo(scratch[keyPrefix..]);
                    found = _vocabulary.TryGetId(scratch[..(keyPrefix + end - start)], out matchedId);
                }
                if (found) break;
                matchedId = -1;
                end = AlignToCodePoint(word, end - 1);
            }
            if (matchedId < 0)
            {
                output.Count = firstPiece;
                output.Add(_unkId, words.SourceStarts[wordStart], words.SourceEnds[wordEnd - 1]);
                return;
            }
            output.Add(matchedId, words.SourceStarts[wordStart + start], words.SourceEnds[wordStart + end - 1]);
            start = end;
        }
    }

    /// <summary>Moves a cut point left so it never falls between the two halves of a surrogate pair.</summary>
    private static int AlignToCodePoint(ReadOnlySpan<char> word, int end)
    {
        if (end > 0 && end < word.Length && char.IsLowSurrogate(word[end]) && char.IsHighSurrogate(word[end - 1]))
            return end - 1;
        return end;
    }

    private static int CountCodePoints(ReadOnlySpan<char> word)
    {
        int count = 0;
        for (int i = 0; i < word.Length; i++)
        {
            if (char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1])) i++;
            count++;
        }
        return count;
    }
}
