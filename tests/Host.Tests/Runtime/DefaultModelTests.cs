using LlmFramework.Abstractions.Models;
using LlmFramework.Host.Runtime;
using LlmFramework.Host.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmFramework.Host.Tests.Runtime;

/// <summary>Where the generated default model lives, and what happens when it cannot be made.</summary>
[Collection(ProcessStateCollection.Name)]
public sealed class DefaultModelTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string? _home = Environment.GetEnvironmentVariable("LLMF_HOME");
    private readonly string? _xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("LLMF_HOME", _home);
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", _xdg);
        _dir.Dispose();
    }

    [Fact]
    public void Cache_folder_is_LLMF_HOME_then_XDG_CACHE_HOME_then_the_user_cache()
    {
        Environment.SetEnvironmentVariable("LLMF_HOME", _dir.Combine("home"));
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", _dir.Combine("xdg"));
        Assert.Equal(_dir.Combine("home"), DefaultModel.CacheDirectory);

        Environment.SetEnvironmentVariable("LLMF_HOME", null);
        Assert.Equal(_dir.Combine("xdg", "llmframework"), DefaultModel.CacheDirectory);

        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", null);
        Assert.Equal(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "llmframework"), DefaultModel.CacheDirectory);
    }

    [Fact]
    public void An_existing_default_model_is_used_without_a_writer()
    {
        Environment.SetEnvironmentVariable("LLMF_HOME", _dir.Path);
        string path = _dir.WriteText(DefaultModel.FileName, "GGUF");
        Assert.Equal(path, DefaultModel.Ensure([], NullLogger.Instance));
    }

    [Fact]
    public void Without_a_llama_writer_the_error_says_which_plugin_is_missing()
    {
        Environment.SetEnvironmentVariable("LLMF_HOME", _dir.Combine("empty-cache"));
        var ex = Assert.Throws<InvalidOperationException>(() => DefaultModel.Ensure(Array.Empty<IModelFamily>(), NullLogger.Instance));
        Assert.Contains("no loaded model-family plugin can write a 'llama' model", ex.Message, StringComparison.Ordinal);
        Assert.Contains("LLaMA plugin", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_model_spec_is_a_small_llama()
    {
        Assert.Equal("llama", DefaultModel.Spec.Architecture);
        Assert.True(DefaultModel.Spec.VocabSize >= 259);
        Assert.Equal(0, DefaultModel.Spec.Heads % DefaultModel.Spec.KvHeads);
        Assert.Equal(0, DefaultModel.Spec.Dim % DefaultModel.Spec.Heads);
    }

    [Fact]
    public void The_default_model_is_written_once_by_the_llama_plugin_with_the_same_bytes_everywhere()
    {
        using var manager = new LlmFramework.Host.Plugins.PluginManager([RepositoryPaths.HostPluginDirectory], hotReload: false, disabled: null, NullLogger.Instance);
        manager.LoadAll();

        Environment.SetEnvironmentVariable("LLMF_HOME", _dir.Combine("first"));
        string first = DefaultModel.Ensure(manager.ModelFamilies, NullLogger.Instance);
        Assert.Equal(_dir.Combine("first", DefaultModel.FileName), first);
        DateTime written = File.GetLastWriteTimeUtc(first);
        Assert.Equal(first, DefaultModel.Ensure(manager.ModelFamilies, NullLogger.Instance));
        Assert.Equal(written, File.GetLastWriteTimeUtc(first));
        Assert.Empty(Directory.GetFiles(_dir.Combine("first"), "*.tmp"));

        Environment.SetEnvironmentVariable("LLMF_HOME", _dir.Combine("second"));
        string second = DefaultModel.Ensure(manager.ModelFamilies, NullLogger.Instance);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }
}
