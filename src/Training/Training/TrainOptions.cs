namespace LlmFramework.Training.Training;

/// <summary>Settings of a pre-training run (the `train` verb); every field has a command-line flag of the same name.</summary>
public sealed record TrainOptions
{
    /// <summary>A .txt file or a folder of .txt files.</summary>
    public required string Data { get; init; }

    /// <summary>The SentencePiece tokenizer.model to tokenize with (copied into the output).</summary>
    public required string Tokenizer { get; init; }

    /// <summary>Folder the trained model is written to (Hugging Face layout).</summary>
    public required string Output { get; init; }

    /// <summary>Folder of the resumable checkpoint (default artifacts/checkpoints/&lt;output name&gt;).</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Optimiser steps.</summary>
    public int Steps { get; init; } = 3000;

    /// <summary>Sequences per step.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Tokens per training sequence (at most the context length).</summary>
    public int SequenceLength { get; init; } = 256;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>Final learning rate of the cosine decay.</summary>
    public double MinLearningRate { get; init; } = 2e-4;

    /// <summary>Linear warm-up steps.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>AdamW weight decay of matrices (norm weights are not decayed).</summary>
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>AdamW beta1.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW beta2.</summary>
    public double Beta2 { get; init; } = 0.95;

    /// <summary>Global gradient-norm clip (0 = off).</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Fraction of the text held out at the end for evaluation.</summary>
    public double HeldOutFraction { get; init; } = 0.02;

    /// <summary>Steps between quick held-out evaluations (0 = only at the end).</summary>
    public int EvalEvery { get; init; } = 250;

    /// <summary>Windows scored by a quick evaluation.</summary>
    public int EvalWindows { get; init; } = 16;

    /// <summary>Tokens per window of the held-out perplexity (as eval-ppl's --window).</summary>
    public int EvalWindow { get; init; } = 512;

    /// <summary>Steps between checkpoints (0 = only at the end).</summary>
    public int CheckpointEvery { get; init; } = 250;

    /// <summary>Seed of initialisation and batch sampling.</summary>
    public long Seed { get; init; } = 1234;

    /// <summary>Torch threads (0 = one per core).</summary>
    public int Threads { get; init; }

    /// <summary>Continue from the checkpoint instead of starting over.</summary>
    public bool Resume { get; init; }

    /// <summary>Stop after this many steps of this invocation (for tests and time-boxed runs; 0 = run to the end).</summary>
    public int StopAfter { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate(Model.LlamaTrainingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException(message);
            }
        }

        Require(Steps > 0, $"--steps must be positive, got {Steps}");
        Require(BatchSize > 0, $"--batch must be positive, got {BatchSize}");
        Require(SequenceLength >= 2 && SequenceLength <= config.ContextLength, $"--seq-len must be in [2, {config.ContextLength}] (the context length), got {SequenceLength}");
        Require(LearningRate > 0 && MinLearningRate >= 0 && MinLearningRate <= LearningRate, $"--lr ({LearningRate}) must be positive and --min-lr ({MinLearningRate}) in [0, --lr]");
        Require(WarmupSteps >= 0 && WarmupSteps < Steps, $"--warmup must be in [0, --steps), got {WarmupSteps}");
        Require(WeightDecay >= 0, $"--weight-decay must not be negative, got {WeightDecay}");
        Require(GradientClip >= 0, $"--clip must not be negative, got {GradientClip}");
        Require(EvalWindow >= 2 && EvalWindow <= config.ContextLength, $"--eval-window must be in [2, {config.ContextLength}], got {EvalWindow}");
        Require(Threads >= 0, $"--threads must not be negative, got {Threads}");
        Require(File.Exists(Tokenizer), $"--tokenizer '{Tokenizer}' does not exist");
    }
}
