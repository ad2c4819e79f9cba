using System.CommandLine;
using LlmFramework.Engine.Sampling;
using LlmFramework.Host.Configuration;

namespace LlmFramework.Host.Cli;

/// <summary>Sampling flags shared by generate and chat; unset flags fall back to LlmFramework:Generation.</summary>
internal sealed class SamplingFlags
{
    public Option<int?> MaxTokens { get; } = new("--max-tokens", "-n") { Description = "Most tokens to generate" };

    public Option<float?> Temperature { get; } = new("--temperature") { Description = "Temperature (0 = greedy)" };

    public Option<int?> TopK { get; } = new("--top-k") { Description = "Top-k (0 = off)" };

    public Option<float?> TopP { get; } = new("--top-p") { Description = "Top-p (1 = off)" };

    public Option<float?> MinP { get; } = new("--min-p") { Description = "Min-p (0 = off)" };

    public Option<float?> RepeatPenalty { get; } = new("--repeat-penalty") { Description = "Repetition penalty (1 = off)" };

    public Option<ulong?> Seed { get; } = new("--seed") { Description = "Random seed (same seed, same text)" };

    public Option<string[]> Stop { get; } = new("--stop") { Description = "Stop string (repeatable)" };

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { MaxTokens, Temperature, TopK, TopP, MinP, RepeatPenalty, Seed, Stop })
        {
            command.Options.Add(o);
        }
    }

    public SamplingOptions Sampling(ParseResult parse, GenerationSettings defaults)
    {
        var options = new SamplingOptions
        {
            Temperature = parse.GetValue(Temperature) ?? defaults.Temperature,
            TopK = parse.GetValue(TopK) ?? defaults.TopK,
            TopP = parse.GetValue(TopP) ?? defaults.TopP,
            MinP = parse.GetValue(MinP) ?? defaults.MinP,
            RepetitionPenalty = parse.GetValue(RepeatPenalty) ?? defaults.RepetitionPenalty,
            Seed = parse.GetValue(Seed) ?? defaults.Seed,
        };
        options.Validate();
        return options;
    }

    public int MaxTokensOr(ParseResult parse, GenerationSettings defaults)
    {
        int n = parse.GetValue(MaxTokens) ?? defaults.MaxTokens;
        return n >= 1 ? n : throw new ArgumentException($"--max-tokens must be at least 1, got {n}");
    }

    public IReadOnlyList<string> StopStrings(ParseResult parse, GenerationSettings defaults) =>
        [.. defaults.Stop, .. parse.GetValue(Stop) ?? []];
}
