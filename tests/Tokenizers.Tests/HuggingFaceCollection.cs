namespace LlmFramework.Tokenizers.Tests;

/// <summary>
/// Tests that load Hugging Face tokenizers through Tokenizers.DotNet run one at a time: its native side keeps the
/// loaded tokenizers in an unsynchronised global table.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HuggingFaceCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Hugging Face tokenizers";
}
