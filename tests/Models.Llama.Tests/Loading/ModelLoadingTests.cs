using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Models.Llama.Tests.Support;

namespace LlmFramework.Models.Llama.Tests.Loading;

/// <summary>Whole-model loading through <see cref="LlamaFamily.Load"/>: weights, tokenizer, info, cache layout.</summary>
public sealed class ModelLoadingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(DType.F32, false)]
    [InlineData(DType.Q8_0, true)]
    public void Gguf_test_model_loads_with_its_tokenizer(DType type, bool tied)
    {
        string path = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(type, tied), CheckpointFormat.Gguf, "m.gguf");
        using IModel model = new LlamaFamily().Load(ModelSource.Open(path), new ModelLoadOptions());
        Assert.Equal(("llama", "llama", 300, 128), (model.Info.Family, model.Info.Architecture, model.Info.VocabSize, model.Info.ContextLength));
        Assert.Contains("dim 64, 2 layers, 4 heads (2 kv, head dim 16)", model.Info.Description);
        Assert.Equal(300, model.Tokenizer.VocabSize);
        Assert.Equal(1, model.Tokenizer.BosId);
        Assert.Contains(2, model.Tokenizer.EosIds);
        Assert.True(model.Tokenizer.AddsBos);
        int[] ids = model.Tokenizer.Encode("hi");
        Assert.Equal(1, ids[0]);
        Assert.All(ids, id => Assert.InRange(id, 0, 299));
        Assert.Equal(new[] { 32, 32 }, model.KvCacheLayout.StreamWidths);
        Assert.Equal(128, model.KvCacheLayout.MaxContextLength);
        ComputeGraph graph = model.BuildStepGraph();
        Assert.Equal(300, graph.Logits.Columns);
    }

    [Theory]
    [InlineData(DType.F32, false)]
    [InlineData(DType.BF16, true)]
    public void Hf_test_model_loads_with_its_tokenizer_and_generation_defaults(DType type, bool tied)
    {
        string folder = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(type, tied), CheckpointFormat.HuggingFaceFolder, "hf");
        using IModel model = new LlamaFamily().Load(ModelSource.Open(folder), new ModelLoadOptions());
        Assert.Equal(("llama", "LlamaForCausalLM", 300, 128), (model.Info.Family, model.Info.Architecture, model.Info.VocabSize, model.Info.ContextLength));
        Assert.Equal(300, model.Tokenizer.VocabSize);
        Assert.Equal(1, model.Tokenizer.BosId);
        Assert.Equal(0.7f, model.GenerationDefaults.Temperature);
        Assert.Equal(0.9f, model.GenerationDefaults.TopP);
        Assert.Equal(40, model.GenerationDefaults.TopK);
        Assert.Equal(1.1f, model.GenerationDefaults.RepetitionPenalty);
        Assert.Equal([2], model.GenerationDefaults.EosIds);
        Assert.Equal(300, model.BuildStepGraph().Logits.Columns);
    }

    [Fact]
    public void Hf_and_gguf_forms_tokenize_the_same()
    {
        TestModelSpec spec = TestModelFiles.SmallSpec();
        using IModel gguf = new LlamaFamily().Load(ModelSource.Open(TestModelFiles.Write(_folder, spec, CheckpointFormat.Gguf, "m.gguf")), new ModelLoadOptions());
        using IModel hf = new LlamaFamily().Load(ModelSource.Open(TestModelFiles.Write(_folder, spec, CheckpointFormat.HuggingFaceFolder, "hf")), new ModelLoadOptions());
        const string text = "The little cat was very good, and she said: no!";
        Assert.Equal(gguf.Tokenizer.Encode(text), hf.Tokenizer.Encode(text));
        Assert.True(gguf.Tokenizer.Encode(text).Length < text.Length, "the vocabulary should merge common words");
    }

    [Fact]
    public void Hf_folder_without_tokenizer_files_is_a_clear_error()
    {
        string folder = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.HuggingFaceFolder, "hf");
        File.Delete(Path.Combine(folder, "tokenizer.json"));
        ModelLoadException e = Assert.Throws<ModelLoadException>(() => new LlamaFamily().Load(ModelSource.Open(folder), new ModelLoadOptions()));
        Assert.Contains("neither tokenizer.json nor tokenizer.model", e.Message);
    }

    [Theory]
    [InlineData(CheckpointFormat.Gguf)]
    [InlineData(CheckpointFormat.HuggingFaceFolder)]
    public void Chat_template_comes_from_the_checkpoint(CheckpointFormat format)
    {
        string path = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), format, format == CheckpointFormat.Gguf ? "m.gguf" : "hf");
        using IModel model = new LlamaFamily().Load(ModelSource.Open(path), new ModelLoadOptions());
        Assert.NotNull(model.ChatTemplate);
        string prompt = model.ChatTemplate.Render([new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi")]);
        Assert.Equal("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]", prompt);
    }

    [Fact]
    public void Unparseable_chat_template_loads_but_names_the_problem_when_used()
    {
        string good = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.Gguf, "m.gguf");
        string bad = _folder.File("badtemplate.gguf");
        TestModelFiles.RewriteGguf(good, bad, _ => true, keepKey: k => k != "tokenizer.chat_template");
        using (var file = Formats.Gguf.GgufFile.Open(bad))
        {
            Assert.False(file.ContainsKey("tokenizer.chat_template"));
        }

        using (IModel none = new LlamaFamily().Load(ModelSource.Open(bad), new ModelLoadOptions()))
        {
            Assert.Null(none.ChatTemplate);
        }

        string broken = _folder.File("broken.gguf");
        TestModelFiles.RewriteGguf(bad, broken, _ => true, addMetadata: w => w.AddString("tokenizer.chat_template", "{% for m in messages %}{{ m['content'] }"));
        using IModel model = new LlamaFamily().Load(ModelSource.Open(broken), new ModelLoadOptions());
        NotSupportedException e = Assert.Throws<NotSupportedException>(() => model.ChatTemplate!.Render([new ChatMessage("user", "Hi")]));
        Assert.Contains("broken.gguf (tokenizer.chat_template): the chat template could not be parsed", e.Message);
    }

    [Fact]
    public void Context_option_sizes_the_cache()
    {
        string path = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.Gguf, "m.gguf");
        using IModel model = new LlamaFamily().Load(ModelSource.Open(path), new ModelLoadOptions { ContextLength = 64 });
        Assert.Equal(64, model.Info.ContextLength);
        Assert.Equal(64, model.KvCacheLayout.MaxContextLength);
    }

    [Fact]
    public void Checked_in_gguf_loads_and_disposing_twice_is_harmless()
    {
        IModel model = new LlamaFamily().Load(ModelSource.Open(Path.Combine(AppContext.BaseDirectory, "data", "tiny-llama.gguf")), new ModelLoadOptions());
        Assert.Equal(300, model.Info.VocabSize);
        Assert.Equal(256, model.Info.ContextLength);
        model.Dispose();
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.BuildStepGraph());
    }

    [Fact]
    public void Gguf_without_a_tokenizer_is_a_clear_error()
    {
        string good = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(), CheckpointFormat.Gguf, "m.gguf");
        string bad = _folder.File("notok.gguf");
        TestModelFiles.RewriteGguf(good, bad, _ => true, keepKey: k => !k.StartsWith("tokenizer.", StringComparison.Ordinal));
        ModelLoadException e = Assert.Throws<ModelLoadException>(() => new LlamaFamily().Load(ModelSource.Open(bad), new ModelLoadOptions()));
        Assert.Contains("notok.gguf", e.Message);
        Assert.Contains("tokenizer.ggml.model is missing", e.Message);
    }
}
