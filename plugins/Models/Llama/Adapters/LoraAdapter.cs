using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Quantization;

namespace LlmFramework.Models.Llama.Adapters;

/// <summary>
/// A LoRA adapter in the PEFT layout, read whole: adapter_config.json (peft_type LORA, r, lora_alpha, use_rslora,
/// target_modules) and adapter_model.safetensors with tensors named
/// <c>base_model.model.model.layers.N.{self_attn|mlp}.{proj}.lora_{A|B}.weight</c>. Anything the engine cannot apply
/// exactly (biases, embedding adapters, per-module rank patterns, DoRA, fan_in_fan_out) is refused with the key named.
/// </summary>
public sealed partial class LoraAdapter
{
    private LoraAdapter(string path, int rank, float scale, IReadOnlyDictionary<(int Layer, LlamaProjection Projection), (float[] A, float[] B, int In, int Out)> factors)
    {
        Path = path;
        Rank = rank;
        Scale = scale;
        Factors = factors;
    }

    /// <summary>The adapter's config file in its folder.</summary>
    public const string ConfigFileName = "adapter_config.json";

    /// <summary>The adapter's weights file in its folder (PEFT's safe_serialization form).</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>The adapter folder.</summary>
    public string Path { get; }

    /// <summary>The adapter's weights file.</summary>
    public string WeightsPath => System.IO.Path.Combine(Path, WeightsFileName);

    /// <summary>r.</summary>
    public int Rank { get; }

    /// <summary>lora_alpha / r (alpha / sqrt(r) with use_rslora).</summary>
    public float Scale { get; }

    /// <summary>A [r, in] and B [out, r] of every adapted projection, in Hugging Face row order.</summary>
    public IReadOnlyDictionary<(int Layer, LlamaProjection Projection), (float[] A, float[] B, int In, int Out)> Factors { get; }

    /// <summary>Reads the adapter folder <paramref name="folder"/>; every problem is a <see cref="ModelLoadException"/> naming the file.</summary>
    public static LoraAdapter Read(string folder)
    {
        string configPath = System.IO.Path.Combine(folder, ConfigFileName);
        string weightsPath = System.IO.Path.Combine(folder, WeightsFileName);
        if (!Directory.Exists(folder))
        {
            throw new ModelLoadException(folder, "the adapter folder does not exist");
        }

        if (!File.Exists(configPath))
        {
            throw new ModelLoadException(folder, "adapter_config.json is missing (expected a PEFT LoRA adapter folder)");
        }

        if (!File.Exists(weightsPath))
        {
            throw new ModelLoadException(folder, File.Exists(System.IO.Path.Combine(folder, "adapter_model.bin"))
                ? "only adapter_model.bin (a pickle) is there; save the adapter with safe_serialization (adapter_model.safetensors)"
                : "adapter_model.safetensors is missing");
        }

        JsonObject config = ParseConfig(configPath);
        (int rank, float scale) = ReadScale(config, configPath);
        using SafetensorsFile file = SafetensorsFile.Open(weightsPath);
        var a = new Dictionary<(int, LlamaProjection), (float[] Values, long[] Shape)>();
        var b = new Dictionary<(int, LlamaProjection), (float[] Values, long[] Shape)>();
        foreach (SafetensorsTensorInfo info in file.Tensors)
        {
            Match m = TensorName().Match(info.Name);
            if (!m.Success)
            {
                throw new ModelLoadException(weightsPath, $"tensor '{info.Name}' is not a LoRA factor of a LLaMA projection (only lora_A/lora_B of q/k/v/o/gate/up/down_proj are supported)");
            }

            if (!int.TryParse(m.Groups["layer"].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int layer))
            {
                throw new ModelLoadException(weightsPath, $"tensor '{info.Name}': layer index {m.Groups["layer"].Value} is out of range");
            }

            // Checked before the tensor is viewed: the safetensors reader's own error would offer I32, which no factor can be.
            if (info.Shape.Length != 2 || info.DType is not ("F32" or "F16" or "BF16"))
            {
                throw new ModelLoadException(weightsPath, $"tensor '{info.Name}' must be a 2-D F32, F16 or BF16 matrix, got {info.DType} [{string.Join(", ", info.Shape)}]");
            }

            LlamaProjection projection = ProjectionOf(m.Groups["proj"].Value);
            string factor = m.Groups["factor"].Value;
            var target = factor == "A" ? a : b;
            if (target.ContainsKey((layer, projection)))
            {
                throw new ModelLoadException(weightsPath, $"layer {layer} {ModuleName(projection)} has lora_{factor} twice (tensor '{info.Name}' repeats it)");
            }

            WeightTensor tensor = file.GetTensor(info.Name);
            var values = new float[tensor.Rows * tensor.Columns];
            BlockQuantizer.Dequantize(tensor.Type, tensor.Bytes, values);
            target[(layer, projection)] = (values, [.. tensor.Shape]);
        }

        var factors = new Dictionary<(int, LlamaProjection), (float[], float[], int, int)>();
        foreach (((int layer, LlamaProjection projection) key, (float[] Values, long[] Shape) down) in a.OrderBy(f => f.Key))
        {
            if (!b.TryGetValue(key, out var up))
            {
                throw new ModelLoadException(weightsPath, $"layer {key.layer} {ModuleName(key.projection)} has lora_A but no lora_B");
            }

            if (down.Shape[0] != rank || up.Shape[1] != rank)
            {
                throw new ModelLoadException(weightsPath, $"layer {key.layer} {ModuleName(key.projection)}: lora_A is [{string.Join(", ", down.Shape)}] and lora_B [{string.Join(", ", up.Shape)}], but adapter_config.json says r = {rank}");
            }

            factors[key] = (down.Values, up.Values, (int)down.Shape[1], (int)up.Shape[0]);
        }

        foreach ((int layer, LlamaProjection projection) in b.Keys.Order())
        {
            if (!a.ContainsKey((layer, projection)))
            {
                throw new ModelLoadException(weightsPath, $"layer {layer} {ModuleName(projection)} has lora_B but no lora_A");
            }
        }

        if (factors.Count == 0)
        {
            throw new ModelLoadException(weightsPath, "the adapter holds no LoRA factors");
        }

        return new LoraAdapter(folder, rank, scale, factors);
    }

    /// <summary>The PEFT module name of a projection ("self_attn.q_proj").</summary>
    public static string ModuleName(LlamaProjection projection) => projection switch
    {
        LlamaProjection.Query => "self_attn.q_proj",
        LlamaProjection.Key => "self_attn.k_proj",
        LlamaProjection.Value => "self_attn.v_proj",
        LlamaProjection.Output => "self_attn.o_proj",
        LlamaProjection.Gate => "mlp.gate_proj",
        LlamaProjection.Up => "mlp.up_proj",
        _ => "mlp.down_proj",
    };

    private static LlamaProjection ProjectionOf(string name) => name switch
    {
        "q_proj" => LlamaProjection.Query,
        "k_proj" => LlamaProjection.Key,
        "v_proj" => LlamaProjection.Value,
        "o_proj" => LlamaProjection.Output,
        "gate_proj" => LlamaProjection.Gate,
        "up_proj" => LlamaProjection.Up,
        _ => LlamaProjection.Down,
    };

    private static JsonObject ParseConfig(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new ModelLoadException(path, "is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException(path, $"is not valid JSON ({ex.Message})", ex);
        }
    }

    private static (int Rank, float Scale) ReadScale(JsonObject config, string path)
    {
        string? type = Text(config, "peft_type", path);
        if (type is not null && !string.Equals(type, "LORA", StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelLoadException(path, $"peft_type is '{type}'; only LORA adapters are supported");
        }

        double r = Number(config, "r", path, required: true)!.Value;
        if (r != Math.Floor(r) || r < 1 || r > int.MaxValue)
        {
            throw new ModelLoadException(path, $"r must be a positive whole number, got {r.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        int rank = (int)r;
        double alpha = Number(config, "lora_alpha", path, required: false) ?? 8;
        foreach (string key in new[] { "fan_in_fan_out", "use_dora" })
        {
            if (Flag(config, key, path))
            {
                throw new ModelLoadException(path, $"{key} is true; not supported");
            }
        }

        string? bias = Text(config, "bias", path);
        if (bias is not null && bias != "none")
        {
            throw new ModelLoadException(path, $"bias is '{bias}'; only adapters without biases (\"none\") are supported");
        }

        foreach (string key in new[] { "rank_pattern", "alpha_pattern" })
        {
            if (config[key] is JsonObject pattern && pattern.Count > 0)
            {
                throw new ModelLoadException(path, $"{key} is set; per-module ranks or alphas are not supported");
            }
        }

        if (config["modules_to_save"] is JsonArray saved && saved.Count > 0)
        {
            throw new ModelLoadException(path, "modules_to_save is set; adapters that replace whole modules are not supported");
        }

        bool rs = Flag(config, "use_rslora", path);
        return (rank, (float)(rs ? alpha / Math.Sqrt(rank) : alpha / rank));
    }

    private static string? Text(JsonObject config, string key, string path)
    {
        JsonNode? node = config[key];
        if (node is null)
        {
            return null;
        }

        return node is JsonValue v && v.TryGetValue(out string? s) ? s : throw new ModelLoadException(path, $"'{key}' must be a string");
    }

    /// <summary>A true/false key; absent or null is false, anything else is an error (a string "true" is not silently ignored).</summary>
    private static bool Flag(JsonObject config, string key, string path)
    {
        JsonNode? node = config[key];
        if (node is null)
        {
            return false;
        }

        return node is JsonValue v && v.TryGetValue(out bool on) ? on : throw new ModelLoadException(path, $"'{key}' must be true or false");
    }

    private static double? Number(JsonObject config, string key, string path, bool required)
    {
        JsonNode? node = config[key];
        if (node is null)
        {
            return required ? throw new ModelLoadException(path, $"'{key}' is missing") : null;
        }

        return node is JsonValue v && v.TryGetValue(out double d) ? d : throw new ModelLoadException(path, $"'{key}' must be a number");
    }

    [GeneratedRegex(@"^(?:base_model\.model\.)?model\.layers\.(?<layer>\d+)\.(?:self_attn\.(?<proj>q_proj|k_proj|v_proj|o_proj)|mlp\.(?<proj>gate_proj|up_proj|down_proj))\.lora_(?<factor>[AB])(?:\.default)?\.weight$")]
    private static partial Regex TensorName();
}
