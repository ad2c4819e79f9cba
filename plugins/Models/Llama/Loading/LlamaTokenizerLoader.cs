using LlmFramework.Formats.Gguf;

namespace LlmFramework.Models.Llama.Loading;

/// <summary>Builds the tokenizer and chat template of a checkpoint with the Tokenizers library.</summary>
internal static class LlamaTokenizerLoader
{
    public static LlamaTokenizerParts FromGguf(GgufFile file) =>
        throw new NotSupportedException($"{file.Path}: GGUF tokenizers need src/Tokenizers, which has not landed yet");

    public static LlamaTokenizerParts FromFolder(string folder) =>
        throw new NotSupportedException($"{folder}: tokenizer files need src/Tokenizers, which has not landed yet");
}
