using System.Text;
using System.Text.Json;

namespace SemanticSearch.Index.Ingest;

/// <summary>
/// BEIR corpus.jsonl: one object per line with "_id" and "text", optional "title", "tags" (array of
/// strings) and "metadata" (object, stored as JSON). Blank lines are ignored.
/// </summary>
public static class JsonlCorpusReader
{
    public static IEnumerable<CorpusEntry> Read(string path)
    {
        // Each line is parsed from its UTF-8 bytes as read (no string of the whole line in between).
        foreach (var (line, bytes, valid) in Utf8LineReader.ReadLineBytes(path))
        {
            if (!valid) { yield return CorpusEntry.Bad(path, line, Utf8LineReader.InvalidUtf8Message); continue; }
            if (IsBlank(bytes.Span)) continue;
            yield return Parse(path, line, bytes);
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> utf8)
    {
        int i = utf8.IndexOfAnyExcept(" \t\r\f\v"u8);
        if (i < 0) return true;
        // Non-ASCII whitespace (e.g. a no-break space) also makes a blank line, as string.IsNullOrWhiteSpace says.
        return utf8[i] >= 0x80 && string.IsNullOrWhiteSpace(Encoding.UTF8.GetString(utf8));
    }

    /// <summary>
    /// One pass of a <see cref="Utf8JsonReader"/> over the line (a JsonDocument per line plus a
    /// property search per field cost about as much as the whole SQLite insert of a short document).
    /// It keeps JsonDocument's rules: the whole line must be one valid JSON value (an invalid-JSON
    /// error wins over a field error), a repeated property's last value counts, and the field errors
    /// are checked in the same order as before (_id, text, title, tags, metadata).
    /// </summary>
    private static CorpusEntry Parse(string path, int line, ReadOnlyMemory<byte> json)
    {
        var bytes = json.Span;
        try
        {
            var reader = new Utf8JsonReader(bytes);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                EnsureEnd(ref reader);
                return CorpusEntry.Bad(path, line, "expected a JSON object");
            }
            var fields = new Field[FieldCount];
            List<string>? tagList = null;
            bool tagsValid = true, sawUnderscoreId = false, sawPlainId = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // "_id" (BEIR) or "id": one rule for every command that reads records.
                bool underscoreId = reader.ValueTextEquals("_id"u8), plainId = !underscoreId && reader.ValueTextEquals("id"u8);
                sawUnderscoreId |= underscoreId;
                sawPlainId |= plainId;
                int which = underscoreId || plainId ? IdField
                    : reader.ValueTextEquals("text"u8) ? TextField
                    : reader.ValueTextEquals("title"u8) ? TitleField
                    : reader.ValueTextEquals("tags"u8) ? TagsField
                    : reader.ValueTextEquals("metadata"u8) ? MetadataField : -1;
                reader.Read();
                if (which < 0) { reader.Skip(); continue; }
                ref Field field = ref fields[which];
                field = new Field(true, reader.TokenType, null);
                switch (reader.TokenType)
                {
                    case JsonTokenType.String:
                        field.Value = reader.GetString();
                        break;
                    case JsonTokenType.Number:
                        field.Value = Encoding.UTF8.GetString(reader.ValueSpan); // the number as written, as JsonElement.GetRawText gives it
                        break;
                    case JsonTokenType.StartObject:
                        long start = reader.TokenStartIndex;
                        reader.Skip();
                        field.Value = Encoding.UTF8.GetString(bytes[(int)start..(int)reader.BytesConsumed]); // raw text, as GetRawText
                        break;
                    case JsonTokenType.StartArray when which == TagsField:
                        (tagList, tagsValid) = (new List<string>(), true);
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            string? t = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                            if (string.IsNullOrWhiteSpace(t)) tagsValid = false;
                            else tagList.Add(t);
                            reader.Skip();
                        }
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            EnsureEnd(ref reader);

            var (id, text, title, tags, metadata) = (fields[IdField], fields[TextField], fields[TitleField], fields[TagsField], fields[MetadataField]);
            string? idValue = id.Kind is JsonTokenType.String or JsonTokenType.Number ? id.Value : null;
            if (sawUnderscoreId && sawPlainId) return CorpusEntry.Bad(path, line, "both \"_id\" and \"id\" are given; use one");
            if (string.IsNullOrWhiteSpace(idValue)) return CorpusEntry.Bad(path, line, "field \"_id\" is missing or not a non-empty string (\"id\" is read the same way)");
            if (text.Kind != JsonTokenType.String) return CorpusEntry.Bad(path, line, "field \"text\" is missing or not a string");
            if (title.Present && title.Kind is not (JsonTokenType.Null or JsonTokenType.String)) return CorpusEntry.Bad(path, line, "field \"title\" is not a string");
            if (tags.Present && tags.Kind is not (JsonTokenType.Null or JsonTokenType.StartArray)) return CorpusEntry.Bad(path, line, "field \"tags\" is not an array");
            if (tags.Kind == JsonTokenType.StartArray && !tagsValid) return CorpusEntry.Bad(path, line, "field \"tags\" must hold non-empty strings");
            if (metadata.Present && metadata.Kind is not (JsonTokenType.Null or JsonTokenType.StartObject)) return CorpusEntry.Bad(path, line, "field \"metadata\" is not an object");
            var documentTags = tags.Kind == JsonTokenType.StartArray ? tagList! : new List<string>();
            return CorpusEntry.Ok(path, line, new SourceDocument(idValue, title.Value ?? "", text.Value!, documentTags,
                                                                 metadata.Kind == JsonTokenType.StartObject ? metadata.Value : null));
        }
        catch (JsonException e)
        {
            return CorpusEntry.Bad(path, line, $"invalid JSON: {e.Message}");
        }
    }

    /// <summary>Nothing but whitespace may follow the top-level value (throws JsonException otherwise).</summary>
    private static void EnsureEnd(ref Utf8JsonReader reader)
    {
        if (reader.Read()) throw new JsonException($"'{(char)reader.ValueSpan[0]}' is invalid after a single JSON value. Expected end of data.");
    }

    /// <summary>A recognised property: whether it occurred, its value's first token, and its text (string, number, or raw object).</summary>
    private struct Field(bool present, JsonTokenType kind, string? value)
    {
        public bool Present = present;
        public JsonTokenType Kind = kind;
        public string? Value = value;
    }

    private const int IdField = 0, TextField = 1, TitleField = 2, TagsField = 3, MetadataField = 4, FieldCount = 5;
}
