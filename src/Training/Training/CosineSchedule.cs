namespace LlmFramework.Training.Training;

/// <summary>Learning rate with linear warm-up to the peak, then cosine decay to the floor at the last step.</summary>
/// <param name="Peak">Rate at the end of warm-up.</param>
/// <param name="Floor">Rate at the last step.</param>
/// <param name="WarmupSteps">Steps of linear warm-up (from Peak / WarmupSteps).</param>
/// <param name="TotalSteps">Steps in the run.</param>
public sealed record CosineSchedule(double Peak, double Floor, int WarmupSteps, int TotalSteps)
{
    /// <summary>The rate for step <paramref name="step"/> (0-based).</summary>
    public double At(int step)
    {
        if (step < WarmupSteps)
        {
            return Peak * (step + 1) / WarmupSteps;
        }

        int decaySteps = Math.Max(1, TotalSteps - WarmupSteps - 1);
        double progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        return Floor + ((Peak - Floor) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
