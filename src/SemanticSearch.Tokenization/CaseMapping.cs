using System.Globalization;
using System.Text;

namespace SemanticSearch.Tokenization;

/// <summary>
/// Lower-casing as Python's str.lower() does it, which BERT's reference tokenizer uses: the simple Unicode mapping
/// (.NET's invariant casing) plus the two rules Python adds: U+0130 'İ' becomes "i" + U+0307, and a capital sigma
/// at the end of a word becomes final sigma 'ς'. Python lower-cases one whitespace-separated token at a time, so the
/// final-sigma context never reaches across whitespace (or across CJK ideographs when those are split off).
/// </summary>
internal static class CaseMapping
{
    private const int CapitalSigma = 0x03A3, SmallSigma = 0x03C3, FinalSigma = 0x03C2;
    private const int CapitalIWithDot = 0x0130, CombiningDotAbove = 0x0307;

    /// <summary>Lower-cases the code point at <paramref name="index"/> of <paramref name="text"/>; returns how many code points were written (1 or 2).</summary>
    public static int ToLower(int cp, string text, int index, int length, bool splitCjk, bool cleanText, Span<int> destination)
    {
        if (cp == CapitalIWithDot)
        {
            destination[0] = 'i';
            destination[1] = CombiningDotAbove;
            return 2;
        }
        if (cp == CapitalSigma)
        {
            destination[0] = IsFinalSigma(text, index, length, splitCjk, cleanText) ? FinalSigma : SmallSigma;
            return 1;
        }
        destination[0] = Rune.ToLowerInvariant(new Rune(cp)).Value;
        return 1;
    }

    /// <summary>Unicode's Final_Sigma condition: a cased letter before (skipping case-ignorables) and none after.</summary>
    private static bool IsFinalSigma(string text, int index, int length, bool splitCjk, bool cleanText)
    {
        bool casedBefore = false;
        int i = index;
        while (i > 0)
        {
            var status = Rune.DecodeLastFromUtf16(text.AsSpan(0, i), out var rune, out int consumed);
            i -= consumed;
            if (status != System.Buffers.OperationStatus.Done) continue;
            var kind = Classify(rune.Value, splitCjk, cleanText);
            if (kind == ContextKind.Ignorable) continue;
            casedBefore = kind == ContextKind.Cased;
            break;
        }
        if (!casedBefore) return false;

        i = index + length;
        while (i < text.Length)
        {
            var status = Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out int consumed);
            i += consumed;
            if (status != System.Buffers.OperationStatus.Done) continue;
            var kind = Classify(rune.Value, splitCjk, cleanText);
            if (kind == ContextKind.Ignorable) continue;
            return kind != ContextKind.Cased;
        }
        return true;
    }

    private enum ContextKind { Cased, Ignorable, Boundary, Other }

    private static ContextKind Classify(int cp, bool splitCjk, bool cleanText)
    {
        // Characters that cleaning removes were already gone when Python lower-cased the token.
        if (cleanText && CharacterClasses.IsRemovedByCleaning(cp)) return ContextKind.Ignorable;
        if (CharacterClasses.IsWhitespace(cp) || (splitCjk && CharacterClasses.IsCjkIdeograph(cp))) return ContextKind.Boundary;
        switch (CharUnicodeInfo.GetUnicodeCategory(cp))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
                return ContextKind.Cased;
            case UnicodeCategory.NonSpacingMark:
            case UnicodeCategory.EnclosingMark:
            case UnicodeCategory.Format:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.ModifierSymbol:
                return ContextKind.Ignorable;
        }
        // Word_Break MidLetter / MidNumLet / Single_Quote characters are case-ignorable as well.
        return cp is '\'' or '.' or ':' or 0x00B7 or 0x0387 or 0x05F4 or 0x2018 or 0x2019 or 0x2024 or 0x2027
            or 0xFE13 or 0xFE52 or 0xFE55 or 0xFF07 or 0xFF0E or 0xFF1A
            ? ContextKind.Ignorable
            : ContextKind.Other;
    }
}
