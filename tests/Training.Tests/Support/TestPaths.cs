namespace LlmFramework.Training.Tests.Support;

/// <summary>Repository files the tests use (never ../shared, which a user's clone does not have).</summary>
internal static class TestPaths
{
    /// <summary>The folder holding LlmFramework.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The default model's SentencePiece tokenizer (4,096 pieces).</summary>
    public static string Tokenizer => Path.Combine(Root, "models", "default", "tokenizer.model");

    /// <summary>The default model folder (read-only for tests).</summary>
    public static string DefaultModel => Path.Combine(Root, "models", "default");

    /// <summary>Public-domain novel text (the default model's held-out tail, 140 kB), as training data for tiny models.</summary>
    public static string NovelText => Path.Combine(Root, "models", "default", "heldout.txt");

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmFramework.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"LlmFramework.sln not found above {AppContext.BaseDirectory}");
    }
}
