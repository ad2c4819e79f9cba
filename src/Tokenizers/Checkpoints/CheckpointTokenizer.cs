using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Tokenizers.Checkpoints;

/// <summary>What a checkpoint's tokenizer files give: the tokenizer, its chat template and any defaults they carry.</summary>
public sealed record CheckpointTokenizer(ITokenizer Tokenizer, IChatTemplate? ChatTemplate, GenerationDefaults GenerationDefaults);
