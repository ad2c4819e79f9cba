using System.Text.Json;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Training.Model;
using static TorchSharp.torch;

namespace LlmFramework.Training.Training;

/// <summary>
/// A resumable checkpoint folder: weights in F32 (model.safetensors), the optimiser state (optimizer.bin), the model
/// config (config.json) and the training log (log.json). Each file is written to a temporary name first and moved
/// into place, so an interrupted save never leaves a half-written checkpoint.
/// </summary>
public sealed class TrainingCheckpoint
{
    private readonly string _folder;

    /// <summary>A checkpoint in <paramref name="folder"/>.</summary>
    public TrainingCheckpoint(string folder) => _folder = folder;

    private string WeightsPath => Path.Combine(_folder, "model.safetensors");

    private string OptimizerPath => Path.Combine(_folder, "optimizer.bin");

    private string ConfigPath => Path.Combine(_folder, "config.json");

    private string LogPath => Path.Combine(_folder, "log.json");

    /// <summary>Whether a complete checkpoint is there.</summary>
    public bool Exists => File.Exists(LogPath) && File.Exists(WeightsPath) && File.Exists(OptimizerPath);

    /// <summary>Saves the trainable state; <paramref name="include"/> limits which weights are written (all when null).</summary>
    public void Save(nn.Module model, OptimizationLoop optimization, LlamaTrainingConfig config, TrainingLog log, Func<string, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(optimization);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(log);
        Directory.CreateDirectory(_folder);
        WeightFiles.Save(model, WeightsPath, DType.F32, include);
        optimization.SaveOptimizer(OptimizerPath + ".tmp");
        File.Move(OptimizerPath + ".tmp", OptimizerPath, overwrite: true);
        config.WriteHuggingFaceConfig(ConfigPath + ".tmp", "float32");
        File.Move(ConfigPath + ".tmp", ConfigPath, overwrite: true);
        log.Save(LogPath + ".tmp");
        File.Move(LogPath + ".tmp", LogPath, overwrite: true);
    }

    /// <summary>
    /// With <paramref name="resume"/>, restores the checkpoint and returns its log; otherwise returns a new log, refusing to
    /// start over a checkpoint that is already there (so a forgotten --resume never overwrites hours of training).
    /// </summary>
    public TrainingLog ResumeOrStart(bool resume, nn.Module model, OptimizationLoop optimization, LlamaTrainingConfig config, TextWriter report, Func<string, bool>? optional = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (resume)
        {
            TrainingLog log = Restore(model, optimization, config, optional);
            report.WriteLine($"resumed from {_folder} at step {log.Losses.Count}");
            return log;
        }

        if (Exists)
        {
            throw new ArgumentException($"{_folder} already holds a checkpoint; pass --resume to continue it or delete it to start over");
        }

        return new TrainingLog();
    }

    /// <summary>The checkpoint folder of a run writing <paramref name="output"/>: the given one, else artifacts/checkpoints/&lt;output name&gt;.</summary>
    public static TrainingCheckpoint For(string? folder, string output) =>
        new(folder ?? Path.Combine("artifacts", "checkpoints", Path.GetFileName(Path.GetFullPath(output).TrimEnd(Path.DirectorySeparatorChar))));

    /// <summary>Loads the weights and optimiser state into <paramref name="model"/> and returns the log to continue.</summary>
    public TrainingLog Restore(nn.Module model, OptimizationLoop optimization, LlamaTrainingConfig config, Func<string, bool>? optional = null)
    {
        ArgumentNullException.ThrowIfNull(optimization);
        if (!Exists)
        {
            throw new ArgumentException($"--resume: no complete checkpoint in {_folder} (needs model.safetensors, optimizer.bin and log.json)");
        }

        LlamaTrainingConfig saved = LlamaTrainingConfig.ReadHuggingFaceConfig(ConfigPath);
        if (saved != config)
        {
            throw new ArgumentException($"--resume: the checkpoint in {_folder} is of another model shape ({JsonSerializer.Serialize(saved)}) than this run's ({JsonSerializer.Serialize(config)})");
        }

        WeightFiles.Load(model, WeightsPath, optional: optional, allowUnknown: true); // older checkpoints also hold TorchSharp's field-name aliases
        optimization.LoadOptimizer(OptimizerPath);
        return TrainingLog.Load(LogPath);
    }
}
