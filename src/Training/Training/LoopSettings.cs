namespace LlmFramework.Training.Training;

/// <summary>The optimiser, schedule and bookkeeping settings shared by pre-training, LoRA fine-tuning and distillation.</summary>
public sealed record LoopSettings
{
    /// <summary>Optimiser steps of the whole run.</summary>
    public int Steps { get; init; }

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; }

    /// <summary>Final learning rate.</summary>
    public double MinLearningRate { get; init; }

    /// <summary>Warm-up steps.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Weight decay of matrices.</summary>
    public double WeightDecay { get; init; }

    /// <summary>AdamW beta1.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW beta2.</summary>
    public double Beta2 { get; init; } = 0.95;

    /// <summary>Gradient-norm clip (0 = off).</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Steps between evaluations (0 = none during the run).</summary>
    public int EvalEvery { get; init; }

    /// <summary>Steps between checkpoints (0 = only at the end).</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Stop after this many steps of this invocation (0 = run to the end).</summary>
    public int StopAfter { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the flag of the first bad setting.</summary>
    public void Validate()
    {
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException(message);
            }
        }

        Require(Steps > 0, $"--steps must be positive, got {Steps}");
        Require(LearningRate > 0 && MinLearningRate >= 0 && MinLearningRate <= LearningRate, $"--lr ({LearningRate}) must be positive and --min-lr ({MinLearningRate}) in [0, --lr]");
        Require(WarmupSteps >= 0 && WarmupSteps < Steps, $"--warmup must be in [0, --steps), got {WarmupSteps}");
        Require(WeightDecay >= 0, $"--weight-decay must not be negative, got {WeightDecay}");
        Require(GradientClip >= 0, $"--clip must not be negative, got {GradientClip}");
        Require(EvalEvery >= 0 && CheckpointEvery >= 0 && StopAfter >= 0, $"--eval-every ({EvalEvery}), --checkpoint-every ({CheckpointEvery}) and --stop-after ({StopAfter}) must not be negative");
    }
}
