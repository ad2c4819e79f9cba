using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmFramework.Training.Model;

/// <summary>
/// The shape of a LLaMA model as the trainer builds it; read from and written to a Hugging Face config.json, so a
/// trained folder loads in the engine's LLaMA family and in Hugging Face transformers.
/// </summary>
public sealed record LlamaTrainingConfig
{
    /// <summary>Hidden size (hidden_size).</summary>
    public int Dim { get; init; } = 256;

    /// <summary>Decoder layers (num_hidden_layers).</summary>
    public int Layers { get; init; } = 6;

    /// <summary>Query heads (num_attention_heads).</summary>
    public int Heads { get; init; } = 8;

    /// <summary>Key/value heads (num_key_value_heads); divides <see cref="Heads"/>.</summary>
    public int KvHeads { get; init; } = 8;

    /// <summary>Feed-forward width (intermediate_size).</summary>
    public int FeedForward { get; init; } = 688;

    /// <summary>Vocabulary size (vocab_size); the tokenizer's.</summary>
    public int VocabSize { get; init; } = 4096;

    /// <summary>Longest sequence (max_position_embeddings).</summary>
    public int ContextLength { get; init; } = 512;

    /// <summary>RoPE base (rope_theta).</summary>
    public float RopeTheta { get; init; } = 10000f;

    /// <summary>RMS norm epsilon (rms_norm_eps).</summary>
    public float NormEpsilon { get; init; } = 1e-5f;

    /// <summary>Whether the output projection shares the embedding table (tie_word_embeddings).</summary>
    public bool TiedEmbeddings { get; init; } = true;

    /// <summary>Beginning-of-sequence id.</summary>
    public int BosId { get; init; } = 1;

    /// <summary>End-of-sequence id.</summary>
    public int EosId { get; init; } = 2;

    /// <summary>Values per head.</summary>
    public int HeadDim => Dim / Heads;

    /// <summary>Parameter count of the model this config describes.</summary>
    public long ParameterCount
    {
        get
        {
            long attention = ((long)Dim * Heads * HeadDim) + (2L * Dim * KvHeads * HeadDim) + ((long)Heads * HeadDim * Dim);
            long mlp = 3L * Dim * FeedForward;
            long layer = attention + mlp + (2L * Dim);
            long embedding = (long)VocabSize * Dim;
            return embedding + (TiedEmbeddings ? 0 : embedding) + (Layers * layer) + Dim;
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot make a model.</summary>
    public void Validate()
    {
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException($"model config: {message}");
            }
        }

        Require(Dim > 0 && Layers > 0 && Heads > 0 && KvHeads > 0 && FeedForward > 0 && VocabSize > 0 && ContextLength > 1, "dim, layers, heads, kv heads, ffn, vocab and context must be positive");
        Require(Dim % Heads == 0, $"heads ({Heads}) must divide dim ({Dim})");
        Require(Heads % KvHeads == 0, $"kv heads ({KvHeads}) must divide heads ({Heads})");
        Require(HeadDim % 2 == 0, $"the head dim ({HeadDim}) must be even for RoPE");
        Require(BosId >= 0 && BosId < VocabSize && EosId >= 0 && EosId < VocabSize, $"bos ({BosId}) and eos ({EosId}) must be ids below the vocab size ({VocabSize})");
    }

    /// <summary>Writes the Hugging Face config.json of a LlamaForCausalLM with this shape.</summary>
    public void WriteHuggingFaceConfig(string path, string torchDtype)
    {
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["model_type"] = "llama",
            ["hidden_size"] = Dim,
            ["intermediate_size"] = FeedForward,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["num_key_value_heads"] = KvHeads,
            ["head_dim"] = HeadDim,
            ["max_position_embeddings"] = ContextLength,
            ["vocab_size"] = VocabSize,
            ["rms_norm_eps"] = NormEpsilon,
            ["rope_theta"] = RopeTheta,
            ["rope_scaling"] = null,
            ["tie_word_embeddings"] = TiedEmbeddings,
            ["hidden_act"] = "silu",
            ["attention_bias"] = false,
            ["mlp_bias"] = false,
            ["torch_dtype"] = torchDtype,
            ["bos_token_id"] = BosId,
            ["eos_token_id"] = EosId,
        };
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Reads a LLaMA config.json; a missing or wrong field is an error naming the file and the field.</summary>
    public static LlamaTrainingConfig ReadHuggingFaceConfig(string path)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({ex.Message})", ex);
        }

        int Int(string key)
        {
            try
            {
                return json[key]?.GetValue<int>() ?? throw new InvalidDataException($"{path}: '{key}' is missing");
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{path}: '{key}' must be an integer", ex);
            }
        }

        float Float(string key, float fallback)
        {
            try
            {
                return json[key] is { } node ? (float)node.GetValue<double>() : fallback;
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{path}: '{key}' must be a number", ex);
            }
        }

        string? modelType = json["model_type"]?.GetValue<string>();
        if (modelType is not null && modelType != "llama")
        {
            throw new InvalidDataException($"{path}: model_type is '{modelType}'; the trainer handles 'llama' models");
        }

        int heads = Int("num_attention_heads");
        var config = new LlamaTrainingConfig
        {
            Dim = Int("hidden_size"),
            Layers = Int("num_hidden_layers"),
            Heads = heads,
            KvHeads = json["num_key_value_heads"] is null ? heads : Int("num_key_value_heads"),
            FeedForward = Int("intermediate_size"),
            VocabSize = Int("vocab_size"),
            ContextLength = Int("max_position_embeddings"),
            RopeTheta = Float("rope_theta", 10000f),
            NormEpsilon = Float("rms_norm_eps", 1e-6f),
            TiedEmbeddings = json["tie_word_embeddings"]?.GetValue<bool>() ?? false,
            BosId = json["bos_token_id"] is null ? 1 : Int("bos_token_id"),
            EosId = json["eos_token_id"] is JsonValue ? Int("eos_token_id") : 2,
        };
        if (json["head_dim"] is not null && Int("head_dim") != config.HeadDim)
        {
            throw new InvalidDataException($"{path}: head_dim {Int("head_dim")} is not hidden_size / num_attention_heads ({config.HeadDim}); the trainer needs them equal");
        }

        if (json["rope_scaling"] is JsonObject)
        {
            throw new NotSupportedException($"{path}: rope_scaling is set; the trainer supports unscaled RoPE only");
        }

        config.Validate();
        return config;
    }
}
