using System.Text.Json.Nodes;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Plugins;
using LlmFramework.Formats.Gguf;
using LlmFramework.Models.Llama.Tests.Support;

namespace LlmFramework.Models.Llama.Tests;

public sealed class RecognitionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Plugin_registers_the_family_with_its_manifest()
    {
        var plugin = new LlamaPlugin();
        Assert.Equal("LlmFramework.Models.Llama", plugin.Manifest.Name);
        Assert.Equal(PluginKind.ModelFamily, plugin.Manifest.Kind);
        Assert.Equal(new Version(Abstractions.ContractVersion.Major, Abstractions.ContractVersion.Minor), plugin.Manifest.ContractVersion);
        var registry = new Registry();
        plugin.Register(registry);
        LlamaFamily family = Assert.IsType<LlamaFamily>(Assert.Single(registry.Families));
        Assert.Equal("llama", family.Name);
        Assert.Equal(["llama", "LlamaForCausalLM", "MistralForCausalLM"], family.Architectures);
        Assert.Equal(["llama"], family.TestArchitectures);
    }

    [Fact]
    public void Recognizes_both_forms_of_a_test_model()
    {
        var family = new LlamaFamily();
        string gguf = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.Gguf, "m.gguf");
        string hf = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.HuggingFaceFolder, "hf");
        Assert.Equal(ModelRecognition.Match("llama"), family.Recognize(ModelSource.Open(gguf)));
        Assert.Equal(ModelRecognition.Match("LlamaForCausalLM"), family.Recognize(ModelSource.Open(hf)));
    }

    [Fact]
    public void Other_gguf_architectures_are_not_recognized()
    {
        string good = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.Gguf, "m.gguf");
        string other = _folder.File("gpt2.gguf");
        TestModelFiles.RewriteGguf(good, other, _ => true, keepKey: k => k != "general.architecture");
        ModelRecognition r = new LlamaFamily().Recognize(ModelSource.Open(other));
        Assert.False(r.IsMatch);
        Assert.Contains("no general.architecture", r.Reason);

        var w = new GgufWriter();
        w.AddString("general.architecture", "gpt2");
        string gpt2 = _folder.File("real-gpt2.gguf");
        w.WriteTo(gpt2);
        r = new LlamaFamily().Recognize(ModelSource.Open(gpt2));
        Assert.Equal("gpt2", r.Architecture);
        Assert.Contains("general.architecture 'gpt2' is not 'llama'", r.Reason);
        ModelLoadException e = Assert.Throws<ModelLoadException>(() => new LlamaFamily().Load(ModelSource.Open(gpt2), new ModelLoadOptions()));
        Assert.Contains("not a LLaMA-family checkpoint", e.Message);
    }

    [Fact]
    public void Moe_llama_ggufs_are_not_recognized()
    {
        var w = new GgufWriter();
        w.AddString("general.architecture", "llama");
        w.AddUInt32("llama.expert_count", 8);
        string path = _folder.File("mixtral.gguf");
        w.WriteTo(path);
        ModelRecognition r = new LlamaFamily().Recognize(ModelSource.Open(path));
        Assert.False(r.IsMatch);
        Assert.Contains("mixture-of-experts", r.Reason);
    }

    [Fact]
    public void Other_hf_architectures_are_not_recognized()
    {
        string folder = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.HuggingFaceFolder, "hf");
        string configPath = Path.Combine(folder, "config.json");
        JsonNode config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["architectures"] = new JsonArray("GPT2LMHeadModel");
        File.WriteAllText(configPath, config.ToJsonString());
        ModelRecognition r = new LlamaFamily().Recognize(ModelSource.Open(folder));
        Assert.False(r.IsMatch);
        Assert.Equal("GPT2LMHeadModel", r.Architecture);
        Assert.Contains("config.json: architectures [GPT2LMHeadModel] include none of LlamaForCausalLM, MistralForCausalLM", r.Reason);
    }

    [Fact]
    public void Unreadable_config_is_a_reason_not_a_crash()
    {
        string folder = Path.Combine(_folder.Path, "broken");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), "{ not json");
        ModelRecognition r = new LlamaFamily().Recognize(ModelSource.Open(folder));
        Assert.False(r.IsMatch);
        Assert.Contains("is not valid JSON", r.Reason);
    }

    private sealed class Registry : IPluginRegistry
    {
        public List<IModelFamily> Families { get; } = [];

        public void AddBackend(Abstractions.Backends.IBackendFactory factory) => throw new NotSupportedException();

        public void AddModelFamily(IModelFamily family) => Families.Add(family);
    }
}
