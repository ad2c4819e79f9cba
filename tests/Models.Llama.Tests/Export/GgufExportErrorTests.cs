using System.Text.Json.Nodes;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Models.Llama.Tests.Support;

namespace LlmFramework.Models.Llama.Tests.Export;

/// <summary>What the exporter cannot convert is refused before anything is written, naming the file and the reason.</summary>
public sealed class GgufExportErrorTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Output => _folder.File("out.gguf");

    private T Fails<T>(string source, DType type = DType.F16)
        where T : Exception
    {
        T e = Assert.Throws<T>(() => new LlamaFamily().ExportGguf(ModelSource.Open(source), type, Output));
        Assert.False(File.Exists(Output), "nothing is written when the export fails");
        Assert.False(File.Exists(Output + ".tmp"));
        return e;
    }

    private string ExportableFolder(Action<JsonObject>? editConfig = null)
    {
        string folder = DefaultModelFolder.WriteTestModel(_folder, TestModelFiles.SmallSpec(), "hf");
        if (editConfig is not null)
        {
            string path = Path.Combine(folder, "config.json");
            JsonObject config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            editConfig(config);
            File.WriteAllText(path, config.ToJsonString());
        }

        return folder;
    }

    [Fact]
    public void A_gguf_file_is_refused_as_input()
    {
        string gguf = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.Gguf, "m.gguf");
        Assert.Equal($"{gguf} is already a GGUF file; export-gguf converts Hugging Face folders", Fails<NotSupportedException>(gguf).Message);
    }

    [Fact]
    public void A_folder_without_tokenizer_model_is_refused()
    {
        string folder = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.HuggingFaceFolder, "hf");
        Assert.Equal($"{folder}: export-gguf needs tokenizer.model (a SentencePiece model); tokenizer.json-only folders are not exported yet", Fails<NotSupportedException>(folder).Message);
    }

    [Fact]
    public void A_tokenizer_model_whose_size_differs_from_vocab_size_is_named()
    {
        string folder = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.HuggingFaceFolder, "hf");
        File.Copy(Path.Combine(DefaultModelFolder.DefaultModel, "tokenizer.model"), Path.Combine(folder, "tokenizer.model"));
        ModelLoadException e = Fails<ModelLoadException>(folder);
        Assert.Equal(folder, e.FilePath);
        Assert.Equal($"tokenizer.model has {DefaultModelFolder.VocabSize} pieces but config.json vocab_size is 300", e.Problem);
    }

    [Fact]
    public void A_tokenizer_json_that_disagrees_with_tokenizer_model_is_named()
    {
        string folder = ExportableFolder();
        string other = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec() with { VocabSize = DefaultModelFolder.VocabSize }, CheckpointFormat.HuggingFaceFolder, "other");
        File.Copy(Path.Combine(other, "tokenizer.json"), Path.Combine(folder, "tokenizer.json"));
        ModelLoadException e = Fails<ModelLoadException>(folder);
        Assert.Equal(folder, e.FilePath);
        Assert.StartsWith($"tokenizer.json ({DefaultModelFolder.VocabSize} tokens) and tokenizer.model ({DefaultModelFolder.VocabSize} pieces) disagree at id ", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Rope_scaling_is_refused_naming_config_json()
    {
        string folder = ExportableFolder(c => c["rope_scaling"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = 2.0 });
        string message = Fails<NotSupportedException>(folder).Message;
        Assert.Equal($"{Path.Combine(folder, "config.json")}: rope_scaling (linear) is not exported yet; export models with plain RoPE", message);
    }

    [Fact]
    public void I32_is_not_a_weight_type()
    {
        Assert.Equal("i32 is not a weight type", Fails<ArgumentException>(ExportableFolder(), DType.I32).Message);
    }

    [Fact]
    public void A_folder_of_another_architecture_is_named()
    {
        string folder = ExportableFolder(c => c["architectures"] = new JsonArray("GPT2LMHeadModel"));
        ModelLoadException e = Fails<ModelLoadException>(folder);
        Assert.Contains("not a LLaMA-family checkpoint", e.Message, StringComparison.Ordinal);
        Assert.Contains("GPT2LMHeadModel", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_weight_is_named_by_the_loader()
    {
        string folder = ExportableFolder(c => c["num_hidden_layers"] = 3);
        ModelLoadException e = Fails<ModelLoadException>(folder);
        Assert.Contains("tensor 'model.layers.2.input_layernorm.weight' is missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_existing_output_file_is_replaced_whole()
    {
        File.WriteAllText(Output, new string('x', 10_000_000 / 8));
        new LlamaFamily().ExportGguf(ModelSource.Open(ExportableFolder()), DType.F16, Output);
        using var file = Formats.Gguf.GgufFile.Open(Output);
        Assert.Equal("llama", file.GetString("general.architecture"));
        Assert.False(File.Exists(Output + ".tmp"));
    }
}
