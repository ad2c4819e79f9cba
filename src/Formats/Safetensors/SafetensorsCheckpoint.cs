using System.Text.Json;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Formats.Safetensors;

/// <summary>
/// The weights of a Hugging Face folder: model.safetensors, or model.safetensors.index.json and its shards, or
/// else the folder's only *.safetensors file. Every tensor name is unique across the shards.
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    /// <summary>File name of a single-file checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>File name of the shard index.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, SafetensorsFile> _owner;

    private SafetensorsCheckpoint(string folder, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> owner)
    {
        Folder = folder;
        _files = files;
        _owner = owner;
    }

    /// <summary>Full path of the folder.</summary>
    public string Folder { get; }

    /// <summary>The opened files (one, or the shards in index order).</summary>
    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <summary>Every tensor name of every file.</summary>
    public IReadOnlyCollection<string> TensorNames => _owner.Keys;

    /// <summary>
    /// Opens the weights of <paramref name="folder"/>. Throws <see cref="ModelLoadException"/> for a missing folder, no
    /// weights, a missing shard, an index entry pointing at a file that lacks the tensor, or a tensor in two shards.
    /// </summary>
    public static SafetensorsCheckpoint Open(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        if (!Directory.Exists(full))
        {
            throw new ModelLoadException(full, "no such folder");
        }

        string index = Path.Combine(full, IndexFileName);
        if (File.Exists(index))
        {
            return OpenSharded(full, index);
        }

        string single = Path.Combine(full, SingleFileName);
        if (!File.Exists(single))
        {
            string[] candidates = Directory.GetFiles(full, "*.safetensors");
            single = candidates.Length switch
            {
                1 => candidates[0],
                0 => throw new ModelLoadException(full, $"folder has no {SingleFileName}, no {IndexFileName} and no other *.safetensors file"),
                _ => throw new ModelLoadException(full, $"folder has {candidates.Length} *.safetensors files ({string.Join(", ", candidates.Select(Path.GetFileName).Order(StringComparer.Ordinal))}) but no {IndexFileName} saying how they fit together"),
            };
        }

        SafetensorsFile file = SafetensorsFile.Open(single);
        return new SafetensorsCheckpoint(full, [file], file.Tensors.ToDictionary(t => t.Name, _ => file, StringComparer.Ordinal));
    }

    /// <summary>True when some file holds tensor <paramref name="name"/>.</summary>
    public bool Contains(string name) => _owner.ContainsKey(name);

    /// <summary>A view of tensor <paramref name="name"/> (see <see cref="SafetensorsFile.GetTensor"/>).</summary>
    public WeightTensor GetTensor(string name) => Owner(name).GetTensor(name);

    /// <summary>The header entry of tensor <paramref name="name"/>.</summary>
    public SafetensorsTensorInfo GetInfo(string name) => Owner(name).GetInfo(name);

    /// <summary>Raw bytes of tensor <paramref name="name"/>, any dtype.</summary>
    public ReadOnlySpan<byte> GetBytes(string name) => Owner(name).GetBytes(name);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (SafetensorsFile f in _files)
        {
            f.Dispose();
        }
    }

    private SafetensorsFile Owner(string name) =>
        _owner.TryGetValue(name, out SafetensorsFile? file) ? file : throw new ModelLoadException(Folder, $"no tensor named '{name}' in the checkpoint");

    private static SafetensorsCheckpoint OpenSharded(string folder, string indexPath)
    {
        Dictionary<string, string> weightMap = ReadWeightMap(indexPath);
        var files = new List<SafetensorsFile>();
        try
        {
            var byShard = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (string shard in weightMap.Values.Distinct(StringComparer.Ordinal))
            {
                string shardPath = Path.GetFullPath(Path.Combine(folder, shard));
                if (!shardPath.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw new ModelLoadException(indexPath, $"weight_map names shard '{shard}', which is outside the folder");
                }

                if (!File.Exists(shardPath))
                {
                    throw new ModelLoadException(indexPath, $"shard '{shard}' named in weight_map is missing ({shardPath})");
                }

                SafetensorsFile file = SafetensorsFile.Open(shardPath);
                files.Add(file);
                byShard.Add(shard, file);
            }

            var owner = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (SafetensorsFile file in files)
            {
                foreach (SafetensorsTensorInfo t in file.Tensors)
                {
                    if (!owner.TryAdd(t.Name, file))
                    {
                        throw new ModelLoadException(folder, $"duplicate tensor '{t.Name}' in shards '{Path.GetFileName(owner[t.Name].Path)}' and '{Path.GetFileName(file.Path)}'");
                    }
                }
            }

            foreach ((string tensor, string shard) in weightMap)
            {
                if (!byShard[shard].Contains(tensor))
                {
                    throw new ModelLoadException(indexPath, $"weight_map maps tensor '{tensor}' to shard '{shard}', which lacks it");
                }
            }

            return new SafetensorsCheckpoint(folder, files, owner);
        }
        catch
        {
            foreach (SafetensorsFile f in files)
            {
                f.Dispose();
            }

            throw;
        }
    }

    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("weight_map", out JsonElement map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw new ModelLoadException(indexPath, "index has no \"weight_map\" object");
            }

            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty p in map.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(p.Value.GetString()))
                {
                    throw new ModelLoadException(indexPath, $"weight_map entry '{p.Name}' must be a shard file name");
                }

                if (!weightMap.TryAdd(p.Name, p.Value.GetString()!))
                {
                    throw new ModelLoadException(indexPath, $"weight_map lists tensor '{p.Name}' twice");
                }
            }

            if (weightMap.Count == 0)
            {
                throw new ModelLoadException(indexPath, "weight_map is empty");
            }

            return weightMap;
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException(indexPath, $"index is not valid JSON: {ex.Message}", ex);
        }
    }
}
