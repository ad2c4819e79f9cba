using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Models.Llama.Loading;

/// <summary>What a checkpoint's tokenizer files give: the tokenizer, its chat template and any defaults they carry.</summary>
internal sealed record LlamaTokenizerParts(ITokenizer Tokenizer, IChatTemplate? ChatTemplate, GenerationDefaults GenerationDefaults);
