using System.CommandLine;

namespace LlmFramework.Tools.Train;

/// <summary>The optimiser and bookkeeping flags shared by train, finetune and distill (defaults differ per verb).</summary>
internal sealed class LoopFlags
{
    public LoopFlags(int steps, double lr, double minLr, int warmup, double weightDecay, int batch, int seqLen)
    {
        Steps = new Option<int>("--steps") { Description = "Optimiser steps", DefaultValueFactory = _ => steps };
        Batch = new Option<int>("--batch") { Description = "Sequences per step", DefaultValueFactory = _ => batch };
        SeqLen = new Option<int>("--seq-len") { Description = "Tokens per training sequence", DefaultValueFactory = _ => seqLen };
        LearningRate = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => lr };
        MinLearningRate = new Option<double>("--min-lr") { Description = "Final learning rate of the cosine decay", DefaultValueFactory = _ => minLr };
        Warmup = new Option<int>("--warmup") { Description = "Linear warm-up steps", DefaultValueFactory = _ => warmup };
        WeightDecay = new Option<double>("--weight-decay") { Description = "AdamW weight decay of matrices", DefaultValueFactory = _ => weightDecay };
        Clip = new Option<double>("--clip") { Description = "Gradient-norm clip (0 = off)", DefaultValueFactory = _ => 1.0 };
        Seed = new Option<long>("--seed") { Description = "Seed of initialisation and batch sampling", DefaultValueFactory = _ => 1234 };
        Threads = new Option<int>("--threads") { Description = "Torch threads (0 = one per core)", DefaultValueFactory = _ => 0 };
        EvalEvery = new Option<int>("--eval-every") { Description = "Steps between held-out evaluations (0 = only at the end)", DefaultValueFactory = _ => 250 };
        CheckpointEvery = new Option<int>("--checkpoint-every") { Description = "Steps between checkpoints (0 = only at the end)", DefaultValueFactory = _ => 250 };
        CheckpointDir = new Option<string?>("--checkpoint-dir") { Description = "Folder of the resumable checkpoint (default artifacts/checkpoints/<out name>)" };
        Resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint" };
        StopAfter = new Option<int>("--stop-after") { Description = "Stop after this many steps of this invocation (resume later)", DefaultValueFactory = _ => 0 };
    }

    public Option<int> Steps { get; }

    public Option<int> Batch { get; }

    public Option<int> SeqLen { get; }

    public Option<double> LearningRate { get; }

    public Option<double> MinLearningRate { get; }

    public Option<int> Warmup { get; }

    public Option<double> WeightDecay { get; }

    public Option<double> Clip { get; }

    public Option<long> Seed { get; }

    public Option<int> Threads { get; }

    public Option<int> EvalEvery { get; }

    public Option<int> CheckpointEvery { get; }

    public Option<string?> CheckpointDir { get; }

    public Option<bool> Resume { get; }

    public Option<int> StopAfter { get; }

    /// <summary>The loop settings given on the command line.</summary>
    public LlmFramework.Training.Training.LoopSettings Settings(ParseResult parse) => new()
    {
        Steps = parse.GetValue(Steps),
        LearningRate = parse.GetValue(LearningRate),
        MinLearningRate = parse.GetValue(MinLearningRate),
        WarmupSteps = parse.GetValue(Warmup),
        WeightDecay = parse.GetValue(WeightDecay),
        GradientClip = parse.GetValue(Clip),
        EvalEvery = parse.GetValue(EvalEvery),
        CheckpointEvery = parse.GetValue(CheckpointEvery),
        StopAfter = parse.GetValue(StopAfter),
    };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Steps, Batch, SeqLen, LearningRate, MinLearningRate, Warmup, WeightDecay, Clip, Seed, Threads, EvalEvery, CheckpointEvery, CheckpointDir, Resume, StopAfter })
        {
            command.Options.Add(option);
        }
    }
}
