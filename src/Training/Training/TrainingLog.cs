using System.Text.Json;

namespace LlmFramework.Training.Training;

/// <summary>What a run recorded: loss per step, held-out evaluations, time; saved with every checkpoint so a resumed run continues it.</summary>
public sealed class TrainingLog
{
    /// <summary>Training loss of each finished step.</summary>
    public List<float> Losses { get; init; } = [];

    /// <summary>Held-out evaluations: (step, loss).</summary>
    public List<EvalPoint> Evaluations { get; init; } = [];

    /// <summary>Wall-clock seconds of training so far, over all invocations.</summary>
    public double Seconds { get; set; }

    /// <summary>Tokens trained on so far.</summary>
    public long Tokens { get; set; }

    /// <summary>Writes the log as JSON.</summary>
    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));

    /// <summary>Reads a log written by <see cref="Save"/>.</summary>
    public static TrainingLog Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainingLog>(File.ReadAllText(path), JsonOptions) ?? throw new InvalidDataException($"{path}: empty training log");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not a training log ({ex.Message})", ex);
        }
    }

    internal static JsonSerializerOptions JsonOptions { get; } = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}

/// <summary>One held-out evaluation.</summary>
/// <param name="Step">Steps finished.</param>
/// <param name="Loss">Mean next-token loss (nats).</param>
public sealed record EvalPoint(int Step, double Loss);
