namespace LlmFramework.Training.Lora;

/// <summary>Settings of a LoRA fine-tuning run (the `finetune` verb).</summary>
public sealed record LoraOptions
{
    /// <summary>The base model: a Hugging Face LLaMA folder (config.json, safetensors, tokenizer.model or tokenizer.json).</summary>
    public required string BaseModel { get; init; }

    /// <summary>Plain-text training data (a .txt file or folder); exclusive with <see cref="Chat"/>.</summary>
    public string? Text { get; init; }

    /// <summary>Chat training data (JSONL of {"messages": [...]}); exclusive with <see cref="Text"/>.</summary>
    public string? Chat { get; init; }

    /// <summary>The adapter folder to write (PEFT layout).</summary>
    public required string Output { get; init; }

    /// <summary>Folder of the resumable checkpoint (default artifacts/checkpoints/&lt;output name&gt;).</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>LoRA rank r.</summary>
    public int Rank { get; init; } = 8;

    /// <summary>lora_alpha (the update is scaled by alpha / r).</summary>
    public double Alpha { get; init; } = 16;

    /// <summary>Dropout on the adapter's input during training.</summary>
    public double Dropout { get; init; } = 0.05;

    /// <summary>Projections to adapt (PEFT target_modules).</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ["q_proj", "k_proj", "v_proj", "o_proj"];

    /// <summary>Fraction of the data held out to measure perplexity before and after (the tail of a text; the last conversations of a chat file).</summary>
    public double HeldOutFraction { get; init; } = 0.1;

    /// <summary>Sequences per step.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Tokens per training sequence (text) or the longest conversation kept (chat).</summary>
    public int SequenceLength { get; init; } = 256;

    /// <summary>Seed of adapter initialisation and batch sampling.</summary>
    public long Seed { get; init; } = 1234;

    /// <summary>Torch threads (0 = one per core).</summary>
    public int Threads { get; init; }

    /// <summary>Continue from the checkpoint.</summary>
    public bool Resume { get; init; }

    /// <summary>The optimiser schedule.</summary>
    public required Training.LoopSettings Loop { get; init; }

    /// <summary>The PEFT module names this trainer can adapt.</summary>
    public static IReadOnlyList<string> KnownModules { get; } = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException(message);
            }
        }

        Require((Text is null) != (Chat is null), "give exactly one of --text (plain text) and --chat (JSONL conversations)");
        Require(Directory.Exists(BaseModel), $"--base '{BaseModel}' is not a folder (LoRA fine-tuning starts from a Hugging Face folder)");
        Require(Rank >= 1, $"--rank must be at least 1, got {Rank}");
        Require(Alpha > 0, $"--alpha must be positive, got {Alpha}");
        Require(Dropout is >= 0 and < 1, $"--dropout must be in [0, 1), got {Dropout}");
        Require(TargetModules.Count > 0, "--targets names no module");
        string? unknown = TargetModules.FirstOrDefault(m => !KnownModules.Contains(m));
        Require(unknown is null, $"--targets: '{unknown}' is not one of {string.Join(", ", KnownModules)}");
        Require(HeldOutFraction is > 0 and < 1, $"--holdout must be in (0, 1), got {HeldOutFraction}");
        Require(BatchSize >= 1, $"--batch must be positive, got {BatchSize}");
        Require(SequenceLength >= 2, $"--seq-len must be at least 2, got {SequenceLength}");
        Loop.Validate();
    }
}
