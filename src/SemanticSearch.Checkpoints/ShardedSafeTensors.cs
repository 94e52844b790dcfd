using System.Collections.ObjectModel;
using System.Text.Json;

namespace SemanticSearch.Checkpoints;

/// <summary>
/// Reads a sharded safetensors checkpoint: <c>model.safetensors.index.json</c> whose
/// <c>weight_map</c> maps each tensor name to the shard file (in the same folder) holding it.
/// </summary>
public static class ShardedSafeTensors
{
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>
    /// Reads every shard named by the index, in order of first mention, and checks that each shard
    /// holds exactly the tensors the index assigns to it: a stale index or a missing shard would
    /// otherwise yield a model with silently missing or unexpected weights.
    /// </summary>
    public static IReadOnlyDictionary<string, NamedTensor> Read(string indexPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(indexPath);
        OrderedDictionary<string, List<string>> shards = ReadWeightMap(indexPath);
        string directory = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var tensors = new OrderedDictionary<string, NamedTensor>(StringComparer.Ordinal);
        foreach ((string shardName, List<string> expectedNames) in shards)
        {
            string shardPath = Path.Combine(directory, shardName);
            if (!File.Exists(shardPath))
            {
                throw new CheckpointFormatException(indexPath, expectedNames[0], $"shard '{shardName}' listed in the weight_map does not exist");
            }

            IReadOnlyDictionary<string, NamedTensor> shard = SafeTensorsFile.Read(shardPath);
            foreach (string name in expectedNames)
            {
                if (!shard.ContainsKey(name))
                {
                    throw new CheckpointFormatException(shardPath, name, $"the index {indexPath} assigns this tensor to the shard but it is not there");
                }
            }

            foreach ((string name, NamedTensor tensor) in shard)
            {
                if (!expectedNames.Contains(name))
                {
                    throw new CheckpointFormatException(shardPath, name, $"tensor is not assigned to this shard by the index {indexPath}");
                }

                tensors.Add(name, tensor);
            }
        }

        return new ReadOnlyDictionary<string, NamedTensor>(tensors);
    }

    /// <summary>Groups the weight_map by shard, keeping the order in which shards are first named.</summary>
    private static OrderedDictionary<string, List<string>> ReadWeightMap(string indexPath)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(indexPath));
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(indexPath, null, $"index is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out JsonElement weightMap)
                || weightMap.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(indexPath, null, "index has no 'weight_map' object");
            }

            var shards = new OrderedDictionary<string, List<string>>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty item in weightMap.EnumerateObject())
            {
                if (!seen.Add(item.Name))
                {
                    throw new CheckpointFormatException(indexPath, item.Name, "tensor appears more than once in the weight_map");
                }

                string shard = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : "";
                // Shards must sit beside the index: a name with a directory part could point anywhere on disk.
                if (shard.Length == 0 || shard != Path.GetFileName(shard) || shard is "." or "..")
                {
                    throw new CheckpointFormatException(indexPath, item.Name, $"weight_map value {item.Value.GetRawText()} is not a plain shard file name");
                }

                if (!shards.TryGetValue(shard, out List<string>? names))
                {
                    shards.Add(shard, names = []);
                }

                names.Add(item.Name);
            }

            if (shards.Count == 0)
            {
                throw new CheckpointFormatException(indexPath, null, "index weight_map is empty");
            }

            return shards;
        }
    }
}
