using System.Globalization;
using System.Text.Json;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Tokenizers;
using LlmFramework.Training.Data;
using LlmFramework.Training.Export;
using LlmFramework.Training.Model;
using LlmFramework.Training.Plot;
using static TorchSharp.torch;

namespace LlmFramework.Training.Training;

/// <summary>
/// Pre-trains a LLaMA model from scratch on a text corpus (the `train` verb): tokenises with a SentencePiece model,
/// holds out the tail of the text, runs the shared optimisation loop with resumable checkpoints, and writes the
/// result as a Hugging Face folder with the held-out text, a loss-curve PNG and a training summary.
/// </summary>
public static class PretrainingRun
{
    /// <summary>File name of the held-out text written beside the model.</summary>
    public const string HeldOutFileName = "heldout.txt";

    /// <summary>File name of the training summary written beside the model.</summary>
    public const string SummaryFileName = "training.json";

    /// <summary>File name of the loss-curve plot written beside the model.</summary>
    public const string LossCurveFileName = "loss-curve.png";

    /// <summary>Runs (or resumes) training; returns the final held-out perplexity, or null when stopped early by StopAfter.</summary>
    public static double? Run(TrainOptions options, LlamaTrainingConfig config, TextWriter report)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(report);
        if (!File.Exists(options.Tokenizer))
        {
            throw new ArgumentException($"--tokenizer '{options.Tokenizer}' does not exist");
        }

        ITokenizer tokenizer = TokenizerFactory.FromSentencePieceModel(options.Tokenizer, null);
        config = config with { VocabSize = tokenizer.VocabSize, BosId = tokenizer.BosId ?? config.BosId, EosId = tokenizer.EosIds.Count > 0 ? tokenizer.EosIds[0] : config.EosId };
        config.Validate();
        options.Validate(config);
        TorchSetup.Threads(options.Threads);
        manual_seed(options.Seed);

        TextCorpus corpus = TextCorpus.Load(options.Data, options.HeldOutFraction);
        var tokenizeClock = System.Diagnostics.Stopwatch.StartNew();
        int[] trainTokens = tokenizer.Encode(corpus.TrainingText);
        int[] heldOutTokens = corpus.HeldOutText.Length > 0 ? tokenizer.Encode(corpus.HeldOutText) : [];
        report.WriteLine(string.Create(CultureInfo.InvariantCulture, $"corpus: {corpus.Files.Count} file(s), {corpus.TrainingText.Length:N0} + {corpus.HeldOutText.Length:N0} held-out chars -> {trainTokens.Length:N0} + {heldOutTokens.Length:N0} tokens ({tokenizeClock.Elapsed.TotalSeconds:F1} s)"));
        report.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model: dim {config.Dim}, {config.Layers} layers, {config.Heads} heads ({config.KvHeads} kv), ffn {config.FeedForward}, vocab {config.VocabSize}, context {config.ContextLength}: {config.ParameterCount:N0} parameters"));
        report.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run: {options.Loop.Steps} steps x {options.BatchSize} x {options.SequenceLength} tokens = {(long)options.Loop.Steps * options.BatchSize * options.SequenceLength:N0} tokens ({(double)options.Loop.Steps * options.BatchSize * options.SequenceLength / trainTokens.Length:F2} epochs), {get_num_threads()} threads"));

        var windows = new TokenWindows(trainTokens, options.SequenceLength);
        TrainingCheckpoint checkpoint = TrainingCheckpoint.For(options.CheckpointDirectory, options.Output);
        using var model = new LlamaForCausalLM(config);
        using var optimization = new OptimizationLoop(model.parameters().Where(p => p.requires_grad), options.Loop);
        TrainingLog log = checkpoint.ResumeOrStart(options.Resume, model, optimization, config, report);

        var inputs = new long[options.BatchSize * options.SequenceLength];
        var targets = new long[inputs.Length];
        model.train();
        bool finished = optimization.Run(
            log,
            step =>
            {
                windows.Fill(options.Seed, step, inputs, targets);
                Tensor x = tensor(inputs, [options.BatchSize, options.SequenceLength]);
                Tensor y = tensor(targets, [options.BatchSize, options.SequenceLength]);
                return (model.Loss(x, y), inputs.Length);
            },
            heldOutTokens.Length > 1 ? () => QuickHeldOutLoss(model, heldOutTokens, options) : null,
            () => checkpoint.Save(model, optimization, config, log));
        if (!finished)
        {
            report.WriteLine($"stopped at step {log.Losses.Count} of {options.Loop.Steps}; continue with --resume");
            return null;
        }

        return Finish(options, config, model, log, corpus, trainTokens.Length, heldOutTokens, report);
    }

    private static double QuickHeldOutLoss(LlamaForCausalLM model, int[] heldOutTokens, TrainOptions options)
    {
        (double nll, long predictions) = PerplexityWindows.Score(model, heldOutTokens, options.EvalWindow, maxWindows: options.EvalWindows);
        return nll / predictions;
    }

    private static double Finish(TrainOptions options, LlamaTrainingConfig config, LlamaForCausalLM model, TrainingLog log, TextCorpus corpus, int trainTokens, int[] heldOutTokens, TextWriter report)
    {
        double perplexity = double.NaN;
        long predictions = 0;
        if (heldOutTokens.Length > 1)
        {
            (double nll, predictions) = PerplexityWindows.Score(model, heldOutTokens, options.EvalWindow);
            perplexity = Math.Exp(nll / predictions);
        }

        HuggingFaceFolder.Write(model, options.Output, options.Tokenizer, DType.F16);
        File.WriteAllText(Path.Combine(options.Output, HeldOutFileName), corpus.HeldOutText);
        LossCurvePlot.Write(Path.Combine(options.Output, LossCurveFileName), log, $"{config.ParameterCount / 1e6:F1}M-parameter LLaMA, {options.Loop.Steps} steps");
        var summary = new Dictionary<string, object?>
        {
            ["parameters"] = config.ParameterCount,
            ["config"] = config,
            ["options"] = options with { Resume = false },
            ["training_chars"] = (long)corpus.TrainingText.Length,
            ["training_tokens"] = (long)trainTokens,
            ["tokens_seen"] = log.Tokens,
            ["seconds"] = Math.Round(log.Seconds, 1),
            ["threads"] = get_num_threads(),
            ["final_train_loss_mean_last_100"] = log.Losses.TakeLast(100).Average(),
            ["held_out_tokens"] = heldOutTokens.Length,
            ["held_out_predictions"] = predictions,
            ["held_out_window"] = options.EvalWindow,
            ["held_out_perplexity"] = double.IsNaN(perplexity) ? null : Math.Round(perplexity, 4),
            ["machine"] = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            ["torchsharp"] = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(),
        };
        File.WriteAllText(Path.Combine(options.Output, SummaryFileName), JsonSerializer.Serialize(summary, TrainingLog.JsonOptions) + "\n");
        report.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trained {log.Losses.Count} steps, {log.Tokens:N0} tokens in {TimeSpan.FromSeconds(log.Seconds):hh\\:mm\\:ss}; held-out perplexity {perplexity:F4} over {predictions:N0} predictions (windows of {options.EvalWindow})"));
        report.WriteLine($"model written to {Path.GetFullPath(options.Output)}");
        return perplexity;
    }
}
