using System.Globalization;

namespace SemanticSearch.Tokenization;

/// <summary>
/// BERT's character classes (Google tokenization.py / Hugging Face BasicTokenizer), on code points.
/// </summary>
internal static class CharacterClasses
{
    /// <summary>Class of an ASCII character, precomputed because almost all real input is ASCII.</summary>
    internal enum AsciiKind : byte { Removed, Whitespace, Punctuation, UpperLetter, WordChar }

    private static readonly AsciiKind[] AsciiKinds = BuildAsciiKinds();

    public static AsciiKind KindOfAscii(char c) => AsciiKinds[c];

    /// <summary>
    /// Characters that separate words. BERT's own list is space, \t, \n, \r and category Zs; Zl/Zp are added because
    /// Python's str.split (and the Rust pre-tokenizer) split on them too. The remaining White_Space controls only
    /// matter when cleaning is off, since cleaning removes them first.
    /// </summary>
    public static bool IsWhitespace(int cp)
    {
        if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
        if (cp == 0x85) return true;
        var category = CharUnicodeInfo.GetUnicodeCategory(cp);
        return category is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
    }

    /// <summary>Removed by text cleaning: NUL, U+FFFD and every category C* character except \t \n \r.</summary>
    public static bool IsRemovedByCleaning(int cp)
    {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        if (cp == 0 || cp == 0xFFFD) return true;
        var category = CharUnicodeInfo.GetUnicodeCategory(cp);
        return category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    /// <summary>
    /// Split off as a word of its own: all non-alphanumeric printable ASCII (so "$", "^", "`" count, as in BERT),
    /// and every Unicode category P* character.
    /// </summary>
    public static bool IsPunctuation(int cp)
    {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
            return true;
        if (cp < 0x80) return false;
        var category = CharUnicodeInfo.GetUnicodeCategory(cp);
        return category is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
            or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
            or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>The CJK Unified Ideograph blocks BERT isolates (not Hangul, Hiragana or Katakana, which are spaced already).</summary>
    public static bool IsCjkIdeograph(int cp) =>
        (cp >= 0x4E00 && cp <= 0x9FFF) ||
        (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0x20000 && cp <= 0x2A6DF) ||
        (cp >= 0x2A700 && cp <= 0x2B73F) ||
        (cp >= 0x2B740 && cp <= 0x2B81F) ||
        (cp >= 0x2B820 && cp <= 0x2CEAF) ||
        (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0x2F800 && cp <= 0x2FA1F);

    /// <summary>Accents removed by accent stripping: category Mn (non-spacing marks).</summary>
    public static bool IsNonSpacingMark(int cp) =>
        cp >= 0x300 && CharUnicodeInfo.GetUnicodeCategory(cp) == UnicodeCategory.NonSpacingMark;

    private static AsciiKind[] BuildAsciiKinds()
    {
        var kinds = new AsciiKind[128];
        for (int c = 0; c < 128; c++)
        {
            kinds[c] = IsRemovedByCleaning(c) ? AsciiKind.Removed
                : IsWhitespace(c) ? AsciiKind.Whitespace
                : IsPunctuation(c) ? AsciiKind.Punctuation
                : c is >= 'A' and <= 'Z' ? AsciiKind.UpperLetter
                : AsciiKind.WordChar;
        }
        return kinds;
    }
}
