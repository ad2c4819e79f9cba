using LlmFramework.Abstractions.Models;

namespace LlmFramework.Formats.Tests;

internal static class LoadAssert
{
    /// <summary>Asserts <paramref name="open"/> throws a ModelLoadException whose message names the file and contains every word.</summary>
    public static ModelLoadException Fails(Action open, string path, params string[] words)
    {
        ModelLoadException ex = Assert.Throws<ModelLoadException>(open);
        Assert.Contains(System.IO.Path.GetFileName(path), ex.Message, StringComparison.Ordinal);
        foreach (string word in words)
        {
            Assert.Contains(word, ex.Message, StringComparison.OrdinalIgnoreCase);
        }

        return ex;
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
