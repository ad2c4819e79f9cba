using LlmFramework.Training.Model;
using LlmFramework.Training.Training;

namespace LlmFramework.Training.Tests.Support;

/// <summary>Tiny training runs: a 2-layer, 32-wide LLaMA on 24 kB of novel text with the default model's tokenizer.</summary>
internal static class TinyRuns
{
    /// <summary>The tiny model shape (vocabulary and special ids come from the tokenizer).</summary>
    public static LlamaTrainingConfig Config { get; } = new() { Dim = 32, Layers = 2, Heads = 2, KvHeads = 1, FeedForward = 64, ContextLength = 64 };

    /// <summary>Writes the training text (the first 24 kB of the novel text, cut at a line) into <paramref name="folder"/>.</summary>
    public static string WriteText(TempFolder folder, string name = "novel.txt", int characters = 24_000)
    {
        string text = File.ReadAllText(TestPaths.NovelText);
        int cut = text.IndexOf('\n', Math.Min(characters, text.Length - 1));
        return folder.WriteText(name, cut < 0 ? text : text[..(cut + 1)]);
    }

    /// <summary>Pre-training options for a run of <paramref name="steps"/> steps into <paramref name="output"/>.</summary>
    public static TrainOptions Options(string data, string output, int steps, string checkpoints) => new()
    {
        Data = data,
        Tokenizer = TestPaths.Tokenizer,
        Output = output,
        CheckpointDirectory = checkpoints,
        BatchSize = 4,
        SequenceLength = 64,
        HeldOutFraction = 0.1,
        EvalWindows = 4,
        EvalWindow = 64,
        Loop = new LoopSettings { Steps = steps, LearningRate = 5e-3, MinLearningRate = 5e-4, WarmupSteps = 3, WeightDecay = 0.1, EvalEvery = 10, CheckpointEvery = 5 },
        Threads = 1,
        Seed = 7,
    };

    /// <summary><paramref name="options"/> with its loop settings changed by <paramref name="change"/>.</summary>
    public static TrainOptions WithLoop(this TrainOptions options, Func<LoopSettings, LoopSettings> change) => options with { Loop = change(options.Loop) };
}
