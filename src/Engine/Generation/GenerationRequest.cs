using LlmFramework.Engine.Sampling;

namespace LlmFramework.Engine.Generation;

/// <summary>What to generate.</summary>
public sealed record GenerationRequest
{
    /// <summary>The prompt as token ids (at least one).</summary>
    public required IReadOnlyList<int> PromptTokens { get; init; }

    /// <summary>How to pick tokens.</summary>
    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>Most tokens to generate.</summary>
    public int MaxTokens { get; init; } = 128;

    /// <summary>Strings that end generation (not included in the output).</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Token ids that end generation, besides the model's end-of-sequence ids.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>Keep generating past end-of-sequence tokens.</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>Leave special tokens out of the text.</summary>
    public bool SkipSpecialTokens { get; init; } = true;

    /// <summary>Scheduling priority under <see cref="SchedulingPolicy.Priority"/>: lower runs sooner (ties by arrival).</summary>
    public int Priority { get; init; }

    /// <summary>Return the log-probability of each generated token (<see cref="GenerationChunk.Logprobs"/>).</summary>
    public bool Logprobs { get; init; }

    /// <summary>With <see cref="Logprobs"/>: also the this many most likely tokens at each step, 0 to 20.</summary>
    public int TopLogprobs { get; init; }

    /// <summary>Largest <see cref="TopLogprobs"/>.</summary>
    public const int MaxTopLogprobs = 20;

    /// <summary>Checks the request, naming the bad field.</summary>
    public void Validate(int vocabSize, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(PromptTokens);
        if (PromptTokens.Count == 0)
        {
            throw new ArgumentException("prompt is empty: at least one token is needed");
        }

        if (PromptTokens.Count >= contextLength)
        {
            throw new ArgumentException($"prompt has {PromptTokens.Count} tokens but the context length is {contextLength}");
        }

        foreach (int id in PromptTokens)
        {
            if ((uint)id >= (uint)vocabSize)
            {
                throw new ArgumentException($"prompt token id {id} is outside the vocabulary [0, {vocabSize})");
            }
        }

        if (MaxTokens < 1)
        {
            throw new ArgumentException($"max_tokens must be at least 1, got {MaxTokens}");
        }

        if (TopLogprobs < 0 || TopLogprobs > MaxTopLogprobs)
        {
            throw new ArgumentException($"top_logprobs must be in [0, {MaxTopLogprobs}], got {TopLogprobs}");
        }

        if (TopLogprobs > 0 && !Logprobs)
        {
            throw new ArgumentException("top_logprobs needs logprobs to be true");
        }

        Sampling.Validate();
    }
}
