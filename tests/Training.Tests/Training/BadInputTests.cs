using LlmFramework.Training.Tests.Support;
using LlmFramework.Training.Training;

namespace LlmFramework.Training.Tests.Training;

/// <summary>Bad settings and data are refused before training starts, naming the flag or the file.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private TrainOptions Options(string data) => TinyRuns.Options(data, _folder.Combine("out"), 10, _folder.Combine("checkpoint"));

    [Fact]
    public void Missing_data_is_named()
    {
        string missing = _folder.Combine("none.txt");
        var ex = Assert.Throws<ArgumentException>(() => PretrainingRun.Run(Options(missing), TinyRuns.Config, TextWriter.Null));
        Assert.Contains($"--data '{missing}' is neither a file nor a folder", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_text_files_is_named()
    {
        string empty = Directory.CreateDirectory(_folder.Combine("empty")).FullName;
        var ex = Assert.Throws<ArgumentException>(() => PretrainingRun.Run(Options(empty), TinyRuns.Config, TextWriter.Null));
        Assert.Contains("is a folder without .txt files", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_text_shorter_than_a_window_is_named()
    {
        string tiny = _folder.WriteText("tiny.txt", "Too short.\nReally.\n");
        var ex = Assert.Throws<ArgumentException>(() => PretrainingRun.Run(Options(tiny) with { HeldOutFraction = 0 }, TinyRuns.Config, TextWriter.Null));
        Assert.Contains("a window of 64 needs at least 65", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("steps", "--steps must be positive")]
    [InlineData("seq-len", "--seq-len must be in [2, 64]")]
    [InlineData("lr", "--lr")]
    [InlineData("warmup", "--warmup must be in [0, --steps)")]
    [InlineData("holdout", "--holdout must be in [0, 1)")]
    [InlineData("tokenizer", "--tokenizer")]
    public void Bad_settings_are_named(string flag, string problem)
    {
        string text = TinyRuns.WriteText(_folder);
        TrainOptions options = flag switch
        {
            "steps" => Options(text) with { Loop = Options(text).Loop with { Steps = 0 } },
            "seq-len" => Options(text) with { SequenceLength = 65 },
            "lr" => Options(text) with { Loop = Options(text).Loop with { LearningRate = -1 } },
            "warmup" => Options(text) with { Loop = Options(text).Loop with { WarmupSteps = 10 } },
            "holdout" => Options(text) with { HeldOutFraction = 1.5 },
            _ => Options(text) with { Tokenizer = _folder.Combine("missing.model") },
        };
        Exception ex = Assert.ThrowsAny<Exception>(() => PretrainingRun.Run(options, TinyRuns.Config, TextWriter.Null));
        Assert.True(ex is ArgumentException or Abstractions.Models.ModelLoadException or FileNotFoundException, ex.ToString());
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }
}
