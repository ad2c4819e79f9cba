using LlmFramework.Training.Training;

namespace LlmFramework.Training.Distillation;

/// <summary>Settings of a distillation run (the `distill` verb): a smaller student learns from a teacher's logits.</summary>
public sealed record DistillOptions
{
    /// <summary>The teacher: a Hugging Face LLaMA folder with tokenizer.model.</summary>
    public required string Teacher { get; init; }

    /// <summary>A .txt file or folder of .txt files.</summary>
    public required string Data { get; init; }

    /// <summary>The student folder to write (Hugging Face layout).</summary>
    public required string Output { get; init; }

    /// <summary>Folder of the resumable checkpoint (default artifacts/checkpoints/&lt;output name&gt;).</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Softmax temperature of both distributions in the KL term.</summary>
    public double Temperature { get; init; } = 2.0;

    /// <summary>Weight of the KL term; 1 - Alpha weighs the ordinary next-token loss on the data.</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>Fraction of the text held out at the end for the perplexity comparison.</summary>
    public double HeldOutFraction { get; init; } = 0.02;

    /// <summary>Tokens per held-out window (as eval-ppl --window).</summary>
    public int EvalWindow { get; init; } = 512;

    /// <summary>Held-out windows scored by each quick evaluation.</summary>
    public int EvalWindows { get; init; } = 16;

    /// <summary>Sequences per step.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Tokens per training sequence.</summary>
    public int SequenceLength { get; init; } = 512;

    /// <summary>Seed of initialisation and batch sampling.</summary>
    public long Seed { get; init; } = 1234;

    /// <summary>Torch threads (0 = one per core).</summary>
    public int Threads { get; init; }

    /// <summary>Continue from the checkpoint.</summary>
    public bool Resume { get; init; }

    /// <summary>The optimiser schedule.</summary>
    public required LoopSettings Loop { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate(int contextLength)
    {
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException(message);
            }
        }

        Require(Temperature > 0 && double.IsFinite(Temperature), $"--temperature must be positive, got {Temperature}");
        Require(Alpha is >= 0 and <= 1, $"--alpha must be in [0, 1], got {Alpha}");
        Require(HeldOutFraction is > 0 and < 1, $"--holdout must be in (0, 1), got {HeldOutFraction}");
        Require(BatchSize >= 1, $"--batch must be positive, got {BatchSize}");
        Require(SequenceLength >= 2 && SequenceLength <= contextLength, $"--seq-len must be in [2, {contextLength}] (the teacher's context), got {SequenceLength}");
        Require(EvalWindow >= 2 && EvalWindow <= contextLength, $"--eval-window must be in [2, {contextLength}], got {EvalWindow}");
        Loop.Validate();
        Require(File.Exists(Path.Combine(Teacher, "tokenizer.model")), $"--teacher '{Teacher}': tokenizer.model is missing (the student takes the teacher's SentencePiece tokenizer)");
    }
}
