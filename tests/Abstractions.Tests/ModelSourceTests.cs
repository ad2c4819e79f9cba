using LlmFramework.Abstractions.Models;

namespace LlmFramework.Abstractions.Tests;

public sealed class ModelSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("llmf-src-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Gguf_magic_and_config_json_decide_the_format()
    {
        string gguf = Path.Combine(_dir, "m.gguf");
        File.WriteAllBytes(gguf, "GGUF\u0003\0\0\0"u8.ToArray());
        Assert.Equal(CheckpointFormat.Gguf, ModelSource.Open(gguf).Format);
        File.WriteAllText(Path.Combine(_dir, "config.json"), "{}");
        Assert.Equal(CheckpointFormat.HuggingFaceFolder, ModelSource.Open(_dir).Format);
    }

    [Fact]
    public void Errors_name_the_path_and_the_problem()
    {
        string missing = Path.Combine(_dir, "none.gguf");
        Assert.Contains("no such file", Assert.Throws<ModelLoadException>(() => ModelSource.Open(missing)).Message, StringComparison.Ordinal);
        string tiny = Path.Combine(_dir, "tiny.bin");
        File.WriteAllBytes(tiny, [1, 2]);
        ModelLoadException ex = Assert.Throws<ModelLoadException>(() => ModelSource.Open(tiny));
        Assert.Equal(tiny, ex.FilePath);
        Assert.Contains("too short", ex.Message, StringComparison.Ordinal);
        string other = Path.Combine(_dir, "other.bin");
        File.WriteAllText(other, "PK\u0003\u0004 a zip file");
        Assert.Contains("not a GGUF file", Assert.Throws<ModelLoadException>(() => ModelSource.Open(other)).Message, StringComparison.Ordinal);
        string folder = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        Assert.Contains("no config.json", Assert.Throws<ModelLoadException>(() => ModelSource.Open(folder)).Message, StringComparison.Ordinal);
    }
}
