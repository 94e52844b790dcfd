using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Util;
using SemanticSearch.Index.Tagging;
using LDocument = Lucene.Net.Documents.Document;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// Everything one Lucene document holds (<see cref="Fields"/>). Every write builds the whole
/// document from a record — Lucene replaces documents, it does not patch them — so a change of one
/// part (a re-embedding, a re-tag) reads the stored record, changes that part and writes it back.
/// </summary>
internal sealed class StoredRecord
{
    public required string Id { get; init; }
    public string Title { get; set; } = "";
    public string Text { get; set; } = "";
    public IReadOnlyList<string> Tags { get; set; } = [];
    public string? Metadata { get; set; }
    public byte[] ContentHash { get; set; } = [];
    public byte[] RecordHash { get; set; } = [];
    /// <summary>Blobs of <see cref="IndexFields.VectorsA"/> and <see cref="IndexFields.VectorsB"/> (empty: none).</summary>
    public byte[] VectorsA { get; set; } = [];
    public byte[] VectorsB { get; set; } = [];
    public byte[] StagedHash { get; set; } = [];
    /// <summary>The head that classified the document (null: none did); <see cref="Predicted"/> is its answer (empty: "unknown").</summary>
    public string? TagHead { get; set; }
    public IReadOnlyList<PredictedTag> Predicted { get; set; } = [];

    public SourceDocument ToSource() => new(Id, Title, Text, Tags, Metadata);

    public byte[] Vectors(string field) => field == IndexFields.VectorsA ? VectorsA : VectorsB;

    public void SetVectors(string field, byte[] blob)
    {
        if (field == IndexFields.VectorsA) VectorsA = blob; else VectorsB = blob;
    }

    /// <param name="settings">With <see cref="IndexSettings.TitleBoost"/> 0 the title is counted twice in
    /// the content field; otherwise the content field holds the text only and queries add the title field.</param>
    public LDocument ToDocument(IndexSettings settings)
    {
        var d = new LDocument { new StringField(IndexFields.Id, Id, Field.Store.YES) };
        // TitleBoost 0 (the default): the title twice, then the text, in one field (BM25 sees one
        // length, title words counted double). Otherwise the title is searched as its own field;
        // BENCHMARKS.md, "Index on Lucene.Net", has both measured.
        if (settings.TitleBoost == 0)
        {
            d.Add(new TextField(IndexFields.Content, Title, Field.Store.NO));
            d.Add(new TextField(IndexFields.Content, Title, Field.Store.NO));
        }
        foreach (var f in new IIndexableField[]
        {
            new TextField(IndexFields.Content, Text, Field.Store.NO),
            new TextField(IndexFields.Title, Title, Field.Store.YES), // indexed too, for `title:` in Lucene syntax
            new StoredField(IndexFields.Text, Text),
            new BinaryDocValuesField(IndexFields.Hashes, new BytesRef(Concat(ContentHash, RecordHash))),
        }) d.Add(f);
        foreach (var t in Tags)
        {
            d.Add(new StringField(IndexFields.Tag, t, Field.Store.NO));
            d.Add(new StoredField(IndexFields.Tags, t));
        }
        if (Metadata is not null) d.Add(new StoredField(IndexFields.Metadata, Metadata));
        // Every document has every doc-values field (empty when unset) so a segment never lacks one.
        d.Add(new BinaryDocValuesField(IndexFields.VectorsA, new BytesRef(VectorsA)));
        d.Add(new BinaryDocValuesField(IndexFields.VectorsB, new BytesRef(VectorsB)));
        d.Add(new BinaryDocValuesField(IndexFields.StagedHash, new BytesRef(StagedHash)));
        d.Add(new BinaryDocValuesField(IndexFields.Predicted, new BytesRef(Predicted.Count == 0 ? [] : PredictedTagBlob.ToBytes(Predicted))));
        if (TagHead is not null)
        {
            d.Add(new StringField(IndexFields.TagHead, TagHead, Field.Store.YES));
            foreach (var p in Predicted) d.Add(new StringField(IndexFields.PredictedTag, p.Tag, Field.Store.NO));
        }
        return d;
    }

    /// <summary>Reads document <paramref name="doc"/> of one segment back into a record.</summary>
    public static StoredRecord Read(AtomicReader leaf, int doc)
    {
        var stored = leaf.Document(doc);
        var hashes = Bytes(leaf, IndexFields.Hashes, doc);
        if (hashes.Length != 64) throw new InvalidDataException($"document '{stored.Get(IndexFields.Id)}' has {hashes.Length} bytes of hashes, expected 64");
        return new StoredRecord
        {
            Id = stored.Get(IndexFields.Id),
            Title = stored.Get(IndexFields.Title) ?? "",
            Text = stored.Get(IndexFields.Text) ?? "",
            Tags = stored.GetValues(IndexFields.Tags),
            Metadata = stored.Get(IndexFields.Metadata),
            ContentHash = hashes[..32],
            RecordHash = hashes[32..],
            VectorsA = Bytes(leaf, IndexFields.VectorsA, doc),
            VectorsB = Bytes(leaf, IndexFields.VectorsB, doc),
            StagedHash = Bytes(leaf, IndexFields.StagedHash, doc),
            TagHead = stored.Get(IndexFields.TagHead),
            Predicted = PredictedTagBlob.Read(Bytes(leaf, IndexFields.Predicted, doc)),
        };
    }

    /// <summary>One doc-values blob (empty when the segment or the document has none).</summary>
    public static byte[] Bytes(AtomicReader leaf, string field, int doc)
    {
        var values = leaf.GetBinaryDocValues(field);
        if (values is null) return [];
        var bytes = new BytesRef();
        values.Get(doc, bytes);
        return bytes.Length == 0 ? [] : bytes.Bytes.AsSpan(bytes.Offset, bytes.Length).ToArray();
    }

    private static byte[] Concat(byte[] a, byte[] b)
    {
        var r = new byte[a.Length + b.Length];
        a.CopyTo(r, 0);
        b.CopyTo(r, a.Length);
        return r;
    }
}

/// <summary>Finds live documents by id in a reader.</summary>
internal static class DocLookup
{
    public readonly record struct Found(AtomicReader Leaf, int Doc, int GlobalDoc);

    public static Found? Find(IndexReader reader, string id)
    {
        var term = new BytesRef(id);
        foreach (var ctx in reader.Leaves)
        {
            var leaf = ctx.AtomicReader;
            var terms = leaf.GetTerms(IndexFields.Id);
            if (terms is null) continue;
            var te = terms.GetEnumerator();
            if (!te.SeekExact(term)) continue;
            var docs = te.Docs(leaf.LiveDocs, null, DocsFlags.NONE);
            int d = docs.NextDoc();
            if (d != Lucene.Net.Search.DocIdSetIterator.NO_MORE_DOCS) return new Found(leaf, d, ctx.DocBase + d);
        }
        return null;
    }

    /// <summary>The record of global document <paramref name="globalDoc"/>.</summary>
    public static StoredRecord ReadGlobal(IndexReader reader, int globalDoc)
    {
        var leaves = reader.Leaves;
        int i = ReaderUtil.SubIndex(globalDoc, leaves);
        return StoredRecord.Read(leaves[i].AtomicReader, globalDoc - leaves[i].DocBase);
    }
}
