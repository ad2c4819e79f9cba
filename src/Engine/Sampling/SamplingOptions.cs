namespace LlmFramework.Engine.Sampling;

/// <summary>
/// How a <see cref="Sampler"/> picks the next token. Field names in error messages follow the OpenAI / llama.cpp
/// request names (temperature, top_k, top_p, min_p, repetition_penalty, ...).
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>Softmax temperature; <c>&lt;= 0</c> means greedy (argmax, ties to the lowest id).</summary>
    public float Temperature { get; init; } = 0.8f;

    /// <summary>Keep only the <c>TopK</c> most likely tokens; <c>&lt;= 0</c> (or at least the vocabulary size) disables.</summary>
    public int TopK { get; init; } = 40;

    /// <summary>
    /// Nucleus sampling: keep the most likely tokens until their probability mass reaches <c>TopP</c> (the token that
    /// crosses it is kept). In (0, 1]; 1 disables.
    /// </summary>
    public float TopP { get; init; } = 0.95f;

    /// <summary>Keep tokens with <c>p &gt;= MinP * p_max</c>. In [0, 1]; 0 disables.</summary>
    public float MinP { get; init; } = 0.05f;

    /// <summary>
    /// CTRL / llama.cpp repetition penalty over the last <see cref="RepetitionWindow"/> tokens: a positive logit is
    /// divided by it, a negative one multiplied. Greater than 0; 1 disables.
    /// </summary>
    public float RepetitionPenalty { get; init; } = 1.0f;

    /// <summary>
    /// How many of the most recent tokens (prompt and generated) the repetition, presence and frequency penalties look
    /// at; 0 disables all three, -1 means every previous token.
    /// </summary>
    public int RepetitionWindow { get; init; } = 64;

    /// <summary>OpenAI-style presence penalty: subtracted once from the logit of every token in the window. In [-2, 2]; 0 disables.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>OpenAI-style frequency penalty: subtracted once per occurrence in the window. In [-2, 2]; 0 disables.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>Seed of the sampler's random generator; null picks a random seed (see <see cref="Sampler.Seed"/>).</summary>
    public ulong? Seed { get; init; }

    /// <summary>Greedy decoding: argmax with no truncation and no penalties.</summary>
    public static SamplingOptions Greedy { get; } = new()
    {
        Temperature = 0f,
        TopK = 0,
        TopP = 1f,
        MinP = 0f,
    };

    /// <summary>Whether <see cref="Temperature"/> selects greedy decoding.</summary>
    public bool IsGreedy => Temperature <= 0f;

    /// <summary>Whether any of the repetition, presence or frequency penalties is active.</summary>
    public bool HasPenalties =>
        RepetitionWindow != 0 && (RepetitionPenalty != 1f || PresencePenalty != 0f || FrequencyPenalty != 0f);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field outside its allowed range.</summary>
    public void Validate()
    {
        if (!float.IsFinite(Temperature))
        {
            throw Invalid("temperature must be a finite number (<= 0 for greedy)", Temperature);
        }

        if (!(TopP > 0f && TopP <= 1f))
        {
            throw Invalid("top_p must be in (0, 1]", TopP);
        }

        if (!(MinP >= 0f && MinP <= 1f))
        {
            throw Invalid("min_p must be in [0, 1]", MinP);
        }

        if (!(RepetitionPenalty > 0f && float.IsFinite(RepetitionPenalty)))
        {
            throw Invalid("repetition_penalty must be a finite number > 0 (1 disables)", RepetitionPenalty);
        }

        if (RepetitionWindow < -1)
        {
            throw new ArgumentException(
                $"repetition_window must be >= -1 (-1: whole history, 0: no penalties), got {RepetitionWindow}");
        }

        if (!(PresencePenalty >= -2f && PresencePenalty <= 2f))
        {
            throw Invalid("presence_penalty must be in [-2, 2]", PresencePenalty);
        }

        if (!(FrequencyPenalty >= -2f && FrequencyPenalty <= 2f))
        {
            throw Invalid("frequency_penalty must be in [-2, 2]", FrequencyPenalty);
        }
    }

    private static ArgumentException Invalid(string rule, float value) =>
        new($"{rule}, got {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
}
