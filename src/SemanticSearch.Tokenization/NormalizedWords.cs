namespace SemanticSearch.Tokenization;

/// <summary>
/// Output of <see cref="BasicTokenizer"/>: the normalized text as UTF-16 units, each unit's source span in the
/// original string, and the words as ranges of units. Reused across calls (one per thread) so tokenizing a text
/// allocates nothing but its result.
/// </summary>
internal sealed class NormalizedWords
{
    public char[] Chars = new char[256];
    public int[] SourceStarts = new int[256];
    public int[] SourceEnds = new int[256];
    public int Length;

    public int[] WordStarts = new int[64];
    public int[] WordEnds = new int[64];
    public int WordCount;

    private int _currentWordStart;

    public void Clear()
    {
        Length = 0;
        WordCount = 0;
        _currentWordStart = 0;
    }

    /// <summary>Appends one BMP character that came from source[sourceIndex] (the common ASCII case).</summary>
    public void AppendUnit(char c, int sourceIndex)
    {
        if (Length == Chars.Length) GrowChars();
        Chars[Length] = c;
        SourceStarts[Length] = sourceIndex;
        SourceEnds[Length] = sourceIndex + 1;
        Length++;
    }

    /// <summary>Appends one normalized code point that came from source[sourceStart, sourceEnd).</summary>
    public void Append(int cp, int sourceStart, int sourceEnd)
    {
        if (Length + 2 > Chars.Length) GrowChars();
        if (cp < 0x10000)
        {
            Chars[Length] = (char)cp;
            SourceStarts[Length] = sourceStart;
            SourceEnds[Length] = sourceEnd;
            Length++;
            return;
        }
        int v = cp - 0x10000;
        Chars[Length] = (char)(0xD800 + (v >> 10));
        Chars[Length + 1] = (char)(0xDC00 + (v & 0x3FF));
        SourceStarts[Length] = SourceStarts[Length + 1] = sourceStart;
        SourceEnds[Length] = SourceEnds[Length + 1] = sourceEnd;
        Length += 2;
    }

    /// <summary>Closes the word being built, if it has any characters.</summary>
    public void EndWord()
    {
        if (Length == _currentWordStart) return;
        if (WordCount == WordStarts.Length)
        {
            Array.Resize(ref WordStarts, WordStarts.Length * 2);
            Array.Resize(ref WordEnds, WordEnds.Length * 2);
        }
        WordStarts[WordCount] = _currentWordStart;
        WordEnds[WordCount] = Length;
        WordCount++;
        _currentWordStart = Length;
    }

    private void GrowChars()
    {
        int size = Chars.Length * 2;
        Array.Resize(ref Chars, size);
        Array.Resize(ref SourceStarts, size);
        Array.Resize(ref SourceEnds, size);
    }
}
