using System.Text.Json.Nodes;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Models.Llama.Adapters;
using LlmFramework.Models.Llama.Tests.Support;

namespace LlmFramework.Models.Llama.Tests.Adapters;

/// <summary>
/// An adapter the engine cannot apply exactly fails the model load with a <see cref="ModelLoadException"/> that names
/// the adapter's file (or folder) and the problem, never a silent partial application.
/// </summary>
public sealed class AdapterErrorTests : IDisposable
{
    private const string QueryA = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
    private const string QueryB = "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight";
    private static readonly TestModelSpec Spec = TestModelFiles.SmallSpec();
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string AdapterFolder => _folder.File("adapter");

    private string ConfigFile => Path.Combine(AdapterFolder, "adapter_config.json");

    private string WeightsFile => Path.Combine(AdapterFolder, "adapter_model.safetensors");

    private static LoraFactor Query(int layer = 0) => LoraFactor.Random(Spec, layer, LlamaProjection.Query, rank: 4, seed: 1);

    private string Valid(Action<JsonObject>? edit = null) => PeftAdapterFolder.Write(AdapterFolder, [Query(), LoraFactor.Random(Spec, 1, LlamaProjection.Down, 4, 1)], alpha: 8, editConfig: edit);

    /// <summary>An adapter folder with a valid config (r = 4) and the tensors <paramref name="add"/> writes.</summary>
    private string WithTensors(Action<SafetensorsWriter> add)
    {
        var st = new SafetensorsWriter();
        add(st);
        return PeftAdapterFolder.WriteFiles(AdapterFolder, PeftAdapterFolder.Config(4, 8, [Query()]), st);
    }

    /// <summary>A valid factor pair on layer 0's q_proj (zeros) followed by the tensors <paramref name="add"/> writes.</summary>
    private string WithQueryPairAnd(Action<SafetensorsWriter> add) => WithTensors(st =>
    {
        AddFactor(st, QueryA, [4, 64]);
        AddFactor(st, QueryB, [64, 4]);
        add(st);
    });

    private static void AddFactor(SafetensorsWriter st, string name, long[] shape) =>
        st.Add(name, DType.F32, shape, PeftAdapterFolder.F32Bytes(new float[shape.Aggregate(1L, (a, b) => a * b)]));

    /// <summary>Loads the test model (GGUF or HF) with <paramref name="adapter"/> and returns the load error's message, checking it names <paramref name="file"/>.</summary>
    private string LoadFails(string adapter, string file, CheckpointFormat format = CheckpointFormat.Gguf)
    {
        string model = TestModelFiles.Write(_folder, Spec, format, format == CheckpointFormat.Gguf ? "m.gguf" : "hf");
        ModelLoadException e = Assert.Throws<ModelLoadException>(() => new LlamaFamily().Load(ModelSource.Open(model), new ModelLoadOptions { Adapters = [new AdapterSpec(adapter)] }).Dispose());
        Assert.Equal(file, e.FilePath);
        Assert.StartsWith(file + ": ", e.Message, StringComparison.Ordinal);
        return e.Problem!;
    }

    [Fact]
    public void A_missing_folder_is_named()
    {
        Assert.Equal("the adapter folder does not exist", LoadFails(AdapterFolder, AdapterFolder));
    }

    [Fact]
    public void A_folder_without_adapter_config_json_is_named()
    {
        Valid();
        File.Delete(ConfigFile);
        Assert.Contains("adapter_config.json is missing", LoadFails(AdapterFolder, AdapterFolder, CheckpointFormat.HuggingFaceFolder), StringComparison.Ordinal);
    }

    [Fact]
    public void A_pickled_adapter_model_bin_alone_asks_for_safetensors()
    {
        Valid();
        File.Move(WeightsFile, Path.Combine(AdapterFolder, "adapter_model.bin"));
        Assert.Contains("only adapter_model.bin (a pickle) is there; save the adapter with safe_serialization", LoadFails(AdapterFolder, AdapterFolder), StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_weights_is_named()
    {
        Valid();
        File.Delete(WeightsFile);
        Assert.Equal("adapter_model.safetensors is missing", LoadFails(AdapterFolder, AdapterFolder));
    }

    [Theory]
    [InlineData("{ \"r\": 4, ", "is not valid JSON")]
    [InlineData("[1, 2]", "is not a JSON object")]
    [InlineData("", "is not valid JSON")]
    public void A_config_that_is_not_a_json_object_is_named(string text, string problem)
    {
        Valid();
        File.WriteAllText(ConfigFile, text);
        Assert.Contains(problem, LoadFails(AdapterFolder, ConfigFile), StringComparison.Ordinal);
    }

    public static TheoryData<string, string?, string> ConfigCases() => new()
    {
        { "peft_type", "\"IA3\"", "peft_type is 'IA3'; only LORA adapters are supported" },
        { "peft_type", "4", "'peft_type' must be a string" },
        { "r", null, "'r' is missing" },
        { "r", "0", "r must be a positive whole number, got 0" },
        { "r", "4.5", "r must be a positive whole number, got 4.5" },
        { "r", "\"4\"", "'r' must be a number" },
        { "lora_alpha", "\"16\"", "'lora_alpha' must be a number" },
        { "bias", "\"lora_only\"", "bias is 'lora_only'; only adapters without biases (\"none\") are supported" },
        { "bias", "\"all\"", "bias is 'all'" },
        { "fan_in_fan_out", "true", "fan_in_fan_out is true; not supported" },
        { "fan_in_fan_out", "\"yes\"", "'fan_in_fan_out' must be true or false" },
        { "use_dora", "true", "use_dora is true; not supported" },
        { "use_rslora", "1", "'use_rslora' must be true or false" },
        { "rank_pattern", "{ \"q_proj\": 8 }", "rank_pattern is set; per-module ranks or alphas are not supported" },
        { "alpha_pattern", "{ \"q_proj\": 32 }", "alpha_pattern is set" },
        { "modules_to_save", "[\"lm_head\"]", "modules_to_save is set; adapters that replace whole modules are not supported" },
    };

    [Theory]
    [MemberData(nameof(ConfigCases))]
    public void A_config_the_engine_cannot_apply_exactly_is_refused_naming_the_key(string key, string? json, string problem)
    {
        Valid(c =>
        {
            c.Remove(key);
            if (json is not null)
            {
                c[key] = JsonNode.Parse(json);
            }
        });
        Assert.Contains(problem, LoadFails(AdapterFolder, ConfigFile), StringComparison.Ordinal);
    }

    [Fact]
    public void An_r_that_disagrees_with_the_tensor_shapes_is_named_with_both()
    {
        Valid(c => c["r"] = 8);
        Assert.Equal(
            "layer 0 self_attn.q_proj: lora_A is [4, 64] and lora_B [64, 4], but adapter_config.json says r = 8",
            LoadFails(AdapterFolder, WeightsFile));
    }

    [Fact]
    public void Lora_A_without_lora_B_is_named()
    {
        WithTensors(st => AddFactor(st, "base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight", [4, 64]));
        Assert.Equal("layer 1 self_attn.k_proj has lora_A but no lora_B", LoadFails(AdapterFolder, WeightsFile));
    }

    [Fact]
    public void Lora_B_without_lora_A_is_named()
    {
        WithQueryPairAnd(st => AddFactor(st, "base_model.model.model.layers.0.mlp.up_proj.lora_B.weight", [96, 4]));
        Assert.Equal("layer 0 mlp.up_proj has lora_B but no lora_A", LoadFails(AdapterFolder, WeightsFile));
    }

    [Theory]
    [InlineData("base_model.model.model.embed_tokens.lora_embedding_A")]
    [InlineData("base_model.model.lm_head.lora_A.weight")]
    [InlineData("base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector")]
    [InlineData("base_model.model.model.layers.0.self_attn.rotary_emb.lora_A.weight")]
    public void A_tensor_that_is_not_a_lora_factor_of_a_llama_projection_is_named(string name)
    {
        WithQueryPairAnd(st => AddFactor(st, name, [4, 64]));
        Assert.Equal($"tensor '{name}' is not a LoRA factor of a LLaMA projection (only lora_A/lora_B of q/k/v/o/gate/up/down_proj are supported)", LoadFails(AdapterFolder, WeightsFile));
    }

    [Fact]
    public void A_layer_index_that_overflows_is_named_not_an_overflow_exception()
    {
        const string name = "base_model.model.model.layers.99999999999.self_attn.q_proj.lora_A.weight";
        WithTensors(st => AddFactor(st, name, [4, 64]));
        Assert.Contains($"tensor '{name}': layer index 99999999999 is out of range", LoadFails(AdapterFolder, WeightsFile), StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_factor_under_two_names_is_refused()
    {
        WithQueryPairAnd(st => AddFactor(st, "base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight", [4, 64]));
        Assert.Contains("layer 0 self_attn.q_proj has lora_A twice", LoadFails(AdapterFolder, WeightsFile), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CheckpointFormat.Gguf)]
    [InlineData(CheckpointFormat.HuggingFaceFolder)]
    public void A_layer_beyond_the_model_is_named(CheckpointFormat format)
    {
        PeftAdapterFolder.Write(AdapterFolder, [Query(), Query(layer: 5)], alpha: 8);
        Assert.Equal("layer 5 self_attn.q_proj: the adapter targets layer 5, but the model has 2 layers (0 to 1)", LoadFails(AdapterFolder, WeightsFile, format));
    }

    [Fact]
    public void Factors_whose_shape_differs_from_the_base_weight_are_named_with_both_shapes()
    {
        // An adapter trained for a model with a different hidden size.
        TestModelSpec wider = Spec with { Dim = 128, Heads = 8, KvHeads = 4 };
        PeftAdapterFolder.Write(AdapterFolder, [LoraFactor.Random(wider, 0, LlamaProjection.Key, 4, 1)], alpha: 8);
        Assert.Equal("layer 0 self_attn.k_proj: the adapter maps 128 -> 64, the model's weight is [32, 64] (out, in)", LoadFails(AdapterFolder, WeightsFile));
    }

    [Theory]
    [InlineData("I8", new long[] { 4, 64 }, true)]      // quantised (bitsandbytes-style int8)
    [InlineData("U8", new long[] { 4, 64 }, false)]
    [InlineData("F8_E4M3", new long[] { 4, 64 }, true)]
    [InlineData("I32", new long[] { 64, 4 }, false)]
    [InlineData("F32", new long[] { 256 }, true)]       // 1-D
    [InlineData("F32", new long[] { 1, 4, 64 }, true)]  // 3-D
    public void Factors_that_are_not_2d_float_matrices_are_refused_naming_dtype_and_shape(string dtype, long[] shape, bool onA)
    {
        string name = onA ? QueryA : QueryB;
        long elements = shape.Aggregate(1L, (a, b) => a * b);
        WithTensors(st =>
        {
            foreach (string factor in new[] { QueryA, QueryB })
            {
                if (factor == name)
                {
                    st.Add(name, dtype, shape, new byte[elements * (dtype is "F32" or "I32" ? 4 : 1)]);
                }
                else
                {
                    AddFactor(st, factor, factor == QueryA ? [4, 64] : [64, 4]);
                }
            }
        });
        Assert.Equal($"tensor '{name}' must be a 2-D F32, F16 or BF16 matrix, got {dtype} [{string.Join(", ", shape)}]", LoadFails(AdapterFolder, WeightsFile));
    }

    [Fact]
    public void An_adapter_without_factors_is_named()
    {
        WithTensors(_ => { });
        Assert.Equal("the adapter holds no LoRA factors", LoadFails(AdapterFolder, WeightsFile));
    }

    [Fact]
    public void A_damaged_safetensors_file_is_named()
    {
        Valid();
        File.WriteAllBytes(WeightsFile, [1, 2, 3]);
        Assert.Contains("shorter than the 8-byte safetensors header", LoadFails(AdapterFolder, WeightsFile), StringComparison.Ordinal);
    }
}
