using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;

namespace LlmFramework.Formats.Tests.Gguf;

public sealed class GgufAtomicWriteTests
{
    [Fact]
    public void Writing_atomically_replaces_the_file_and_leaves_no_temporary()
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "sub", "m.gguf");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "old");
        var writer = new GgufWriter();
        writer.AddString("general.architecture", "llama");

        writer.WriteToAtomically(path);

        using GgufFile file = GgufFile.Open(path);
        Assert.Equal("llama", file.GetString("general.architecture"));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Writing_atomically_into_a_missing_folder_creates_it()
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "a", "b", "m.gguf");
        new GgufWriter().WriteToAtomically(path);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void File_types_are_llama_cpp_s_llama_ftype_values()
    {
        Assert.Equal(
            [0u, 1u, 32u, 7u, 2u, 14u, 18u],
            new[] { DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K }.Select(GgufFileType.Of));
        Assert.Throws<NotSupportedException>(() => GgufFileType.Of(DType.I32));
    }
}
