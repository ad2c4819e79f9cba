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

    /// <summary>Sequences per step.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Tokens per training sequence (at most the context length).</summary>
    public int SequenceLength { get; init; } = 256;

    /// <summary>Fraction of the text held out at the end for evaluation.</summary>
    public double HeldOutFraction { get; init; } = 0.02;

    /// <summary>Windows scored by a quick evaluation.</summary>
    public int EvalWindows { get; init; } = 16;

    /// <summary>Tokens per window of the held-out perplexity (as eval-ppl's --window).</summary>
    public int EvalWindow { get; init; } = 512;

    /// <summary>Seed of initialisation and batch sampling.</summary>
    public long Seed { get; init; } = 1234;

    /// <summary>Torch threads (0 = one per core).</summary>
    public int Threads { get; init; }

    /// <summary>Continue from the checkpoint instead of starting over.</summary>
    public bool Resume { get; init; }

    /// <summary>The optimiser schedule and bookkeeping (steps, learning rates, evaluation and checkpoint intervals).</summary>
    public required LoopSettings Loop { get; init; }

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

        Loop.Validate();
        Require(BatchSize > 0, $"--batch must be positive, got {BatchSize}");
        Require(SequenceLength >= 2 && SequenceLength <= config.ContextLength, $"--seq-len must be in [2, {config.ContextLength}] (the context length), got {SequenceLength}");
        Require(EvalWindow >= 2 && EvalWindow <= config.ContextLength, $"--eval-window must be in [2, {config.ContextLength}], got {EvalWindow}");
        Require(Threads >= 0, $"--threads must not be negative, got {Threads}");
        Require(File.Exists(Tokenizer), $"--tokenizer '{Tokenizer}' does not exist");
    }
}
