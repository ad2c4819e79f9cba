namespace LlmFramework.Formats.Tests;

public sealed unsafe class MappedFileTests
{
    [Fact]
    public void Maps_the_whole_file_read_only()
    {
        using var dir = new TempFolder();
        byte[] bytes = LoadAssert.RandomBytes(10_001, 1);
        string path = dir.Write("blob.bin", bytes);
        using MappedFile map = MappedFile.Open(path);
        Assert.Equal(bytes.Length, map.Length);
        Assert.Equal(Path.GetFullPath(path), map.Path);
        Assert.True(new ReadOnlySpan<byte>(map.Pointer, bytes.Length).SequenceEqual(bytes));
        Assert.True(map.GetSpan(5000, 7).SequenceEqual(bytes.AsSpan(5000, 7)));
        Assert.Throws<ArgumentOutOfRangeException>(() => map.GetSpan(10_000, 2));
    }

    [Fact]
    public void Empty_file_is_a_clear_error()
    {
        using var dir = new TempFolder();
        string path = dir.Write("empty.bin", []);
        LoadAssert.Fails(() => MappedFile.Open(path), path, "empty");
    }

    [Fact]
    public void Missing_file_is_a_clear_error()
    {
        using var dir = new TempFolder();
        string path = dir.File("absent.gguf");
        LoadAssert.Fails(() => MappedFile.Open(path), path, "no such file");
    }

    [Fact]
    public void Pointer_after_dispose_throws()
    {
        using var dir = new TempFolder();
        string path = dir.Write("x.bin", [1, 2, 3]);
        MappedFile map = MappedFile.Open(path);
        map.Dispose();
        map.Dispose();
        Assert.Throws<ObjectDisposedException>(() => (nint)map.Pointer);
    }
}
