using LlmFramework.Training.Training;

namespace LlmFramework.Training.Tests.Support;

/// <summary>One tiny pre-trained model shared by the tests of a class (trained once, 40 steps).</summary>
public sealed class SharedModel : IDisposable
{
    private readonly TempFolder _folder = new();

    public SharedModel()
    {
        Text = TinyRuns.WriteText(_folder);
        Output = _folder.Combine("model");
        Perplexity = PretrainingRun.Run(TinyRuns.Options(Text, Output, 40, _folder.Combine("checkpoints")), TinyRuns.Config, TextWriter.Null)
            ?? throw new InvalidOperationException("the shared run stopped early");
    }

    /// <summary>The training text.</summary>
    public string Text { get; }

    /// <summary>The trained model folder.</summary>
    public string Output { get; }

    /// <summary>The held-out perplexity the trainer reported.</summary>
    public double Perplexity { get; }

    public void Dispose() => _folder.Dispose();
}
