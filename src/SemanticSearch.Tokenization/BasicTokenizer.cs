using System.Text;

namespace SemanticSearch.Tokenization;

/// <summary>
/// BERT's BasicTokenizer in one streaming pass over the original string: clean, isolate CJK ideographs, split on
/// whitespace, lower-case, strip accents, split off punctuation. Every normalized character keeps the source span of
/// the code point it came from, which is how offsets survive lower-casing and NFD.
/// </summary>
internal sealed class BasicTokenizer
{
    private readonly bool _lowerCase;
    private readonly bool _stripAccents;
    private readonly bool _splitCjk;
    private readonly bool _cleanText;

    public BasicTokenizer(TokenizerOptions options)
    {
        _lowerCase = options.DoLowerCase;
        _stripAccents = options.ShouldStripAccents;
        _splitCjk = options.TokenizeChineseChars;
        _cleanText = options.CleanText;
    }

    public void Split(string text, NormalizedWords output)
    {
        output.Clear();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c < 0x80)
            {
                // Lower-case letters and digits are most of real text: append them without further dispatch.
                if (CharacterClasses.KindOfAscii(c) == CharacterClasses.AsciiKind.WordChar) output.AppendUnit(c, i);
                else AppendAscii(c, i, output);
                i++;
                continue;
            }

            // Lone surrogates cannot be decoded; Python's clean_text drops them (category Cs), so do we, always.
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                i += Math.Max(consumed, 1);
                continue;
            }
            int start = i;
            i += consumed;
            int cp = rune.Value;
            if (_cleanText && CharacterClasses.IsRemovedByCleaning(cp)) continue;
            if (CharacterClasses.IsWhitespace(cp))
            {
                output.EndWord();
                continue;
            }
            if (_splitCjk && CharacterClasses.IsCjkIdeograph(cp))
            {
                output.EndWord();
                AppendNormalized(cp, text, start, consumed, output);
                output.EndWord();
                continue;
            }
            AppendNormalized(cp, text, start, consumed, output);
        }
        output.EndWord();
    }

    private void AppendAscii(char c, int index, NormalizedWords output)
    {
        switch (CharacterClasses.KindOfAscii(c))
        {
            case CharacterClasses.AsciiKind.Removed:
                if (_cleanText) return;
                if (CharacterClasses.IsWhitespace(c)) output.EndWord();
                else output.AppendUnit(c, index);
                return;
            case CharacterClasses.AsciiKind.Whitespace:
                output.EndWord();
                return;
            case CharacterClasses.AsciiKind.Punctuation:
                output.EndWord();
                output.AppendUnit(c, index);
                output.EndWord();
                return;
            case CharacterClasses.AsciiKind.UpperLetter:
                output.AppendUnit(_lowerCase ? (char)(c + ('a' - 'A')) : c, index);
                return;
            default:
                output.AppendUnit(c, index);
                return;
        }
    }

    /// <summary>Lower-case, then decompose and drop accents (Python's order), then split off punctuation.</summary>
    private void AppendNormalized(int cp, string text, int start, int length, NormalizedWords output)
    {
        Span<int> lowered = stackalloc int[2];
        int loweredCount = 1;
        lowered[0] = cp;
        if (_lowerCase)
            loweredCount = CaseMapping.ToLower(cp, text, start, length, _splitCjk, _cleanText, lowered);

        Span<int> decomposed = stackalloc int[CanonicalDecomposition.MaxLength];
        for (int l = 0; l < loweredCount; l++)
        {
            if (!_stripAccents)
            {
                AppendWithPunctuationSplit(lowered[l], start, start + length, output);
                continue;
            }
            int count = CanonicalDecomposition.Decompose(lowered[l], decomposed);
            for (int d = 0; d < count; d++)
            {
                if (CharacterClasses.IsNonSpacingMark(decomposed[d])) continue;
                AppendWithPunctuationSplit(decomposed[d], start, start + length, output);
            }
        }
    }

    private static void AppendWithPunctuationSplit(int cp, int sourceStart, int sourceEnd, NormalizedWords output)
    {
        if (CharacterClasses.IsPunctuation(cp))
        {
            output.EndWord();
            output.Append(cp, sourceStart, sourceEnd);
            output.EndWord();
            return;
        }
        output.Append(cp, sourceStart, sourceEnd);
    }
}
