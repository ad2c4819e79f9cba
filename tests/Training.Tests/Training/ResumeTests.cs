using LlmFramework.Formats.Safetensors;
using LlmFramework.Training.Tests.Support;
using LlmFramework.Training.Training;

namespace LlmFramework.Training.Tests.Training;

/// <summary>Checkpoints resume a run where it stopped, and never overwrite one by accident.</summary>
public sealed class ResumeTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_stopped_and_resumed_run_ends_where_an_uninterrupted_one_does()
    {
        string text = TinyRuns.WriteText(_folder);
        TrainOptions straight = TinyRuns.Options(text, _folder.Combine("a"), 12, _folder.Combine("a-checkpoint")).WithLoop(l => l with { EvalEvery = 0 });
        TrainOptions split = TinyRuns.Options(text, _folder.Combine("b"), 12, _folder.Combine("b-checkpoint")).WithLoop(l => l with { EvalEvery = 0 });
        double? a = PretrainingRun.Run(straight, TinyRuns.Config, TextWriter.Null);
        Assert.Null(PretrainingRun.Run(split.WithLoop(l => l with { StopAfter = 5 }), TinyRuns.Config, TextWriter.Null));
        Assert.False(File.Exists(_folder.Combine("b", "model.safetensors")));
        double? b = PretrainingRun.Run(split with { Resume = true }, TinyRuns.Config, TextWriter.Null);

        TrainingLog la = TrainingLog.Load(_folder.Combine("a-checkpoint", "log.json"));
        TrainingLog lb = TrainingLog.Load(_folder.Combine("b-checkpoint", "log.json"));
        Assert.Equal(12, lb.Losses.Count);
        for (int i = 0; i < 12; i++)
        {
            Assert.True(Math.Abs(la.Losses[i] - lb.Losses[i]) < 1e-4, $"step {i + 1}: {la.Losses[i]} vs {lb.Losses[i]}");
        }

        Assert.NotNull(a);
        Assert.NotNull(b);
        Assert.True(Math.Abs(a!.Value - b!.Value) / a.Value < 1e-4, $"perplexity {a} vs {b}");
        using SafetensorsFile fa = SafetensorsFile.Open(_folder.Combine("a", "model.safetensors"));
        using SafetensorsFile fb = SafetensorsFile.Open(_folder.Combine("b", "model.safetensors"));
        int differing = fa.Tensors.Count(t => !fa.GetBytes(t.Name).SequenceEqual(fb.GetBytes(t.Name)));
        Assert.True(differing <= fa.Tensors.Count / 4, $"{differing} of {fa.Tensors.Count} F16 tensors differ");
    }

    [Fact]
    public void Starting_over_an_existing_checkpoint_without_resume_is_refused()
    {
        string text = TinyRuns.WriteText(_folder);
        TrainOptions options = TinyRuns.Options(text, _folder.Combine("out"), 4, _folder.Combine("checkpoint")).WithLoop(l => l with { EvalEvery = 0, StopAfter = 2 });
        PretrainingRun.Run(options, TinyRuns.Config, TextWriter.Null);
        var ex = Assert.Throws<ArgumentException>(() => PretrainingRun.Run(options, TinyRuns.Config, TextWriter.Null));
        Assert.Contains("already holds a checkpoint; pass --resume", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resuming_without_a_checkpoint_or_with_another_shape_is_refused()
    {
        string text = TinyRuns.WriteText(_folder);
        TrainOptions options = TinyRuns.Options(text, _folder.Combine("out"), 4, _folder.Combine("checkpoint")).WithLoop(l => l with { EvalEvery = 0 });
        var none = Assert.Throws<ArgumentException>(() => PretrainingRun.Run(options with { Resume = true }, TinyRuns.Config, TextWriter.Null));
        Assert.Contains("no complete checkpoint", none.Message, StringComparison.Ordinal);

        PretrainingRun.Run(options.WithLoop(l => l with { StopAfter = 2 }), TinyRuns.Config, TextWriter.Null);
        var other = Assert.Throws<ArgumentException>(() => PretrainingRun.Run(options with { Resume = true }, TinyRuns.Config with { FeedForward = 96 }, TextWriter.Null));
        Assert.Contains("another model shape", other.Message, StringComparison.Ordinal);
    }
}
