using System.Globalization;
using System.Text.Json;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Training.Data;
using LlmFramework.Training.Model;
using LlmFramework.Training.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmFramework.Training.Lora;

/// <summary>
/// LoRA fine-tuning of a LLaMA-family Hugging Face model on plain text or chat data (the `finetune` verb): the base
/// weights are frozen, rank-r factors are trained on the chosen projections, the held-out part of the data is scored
/// before and after, and the adapter is written in the PEFT layout for the engine to apply at load.
/// </summary>
public static class LoraFinetuneRun
{
    /// <summary>File name of the run summary written into the adapter folder.</summary>
    public const string SummaryFileName = "finetune.json";

    /// <summary>Runs (or resumes) fine-tuning; returns (perplexity before, after) on the held-out data, or null when stopped early.</summary>
    public static (double Before, double After)? Run(LoraOptions options, TextWriter report)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        options.Validate();
        TorchSetup.Threads(options.Threads);
        manual_seed(options.Seed);
        using LlamaForCausalLM model = BaseModelFolder.LoadModel(options.BaseModel);
        ITokenizer tokenizer = BaseModelFolder.LoadTokenizer(options.BaseModel);
        int pad = tokenizer.EosIds.Count > 0 ? tokenizer.EosIds[0] : 0;
        (Func<long, int, (long[] Inputs, long[] Targets, int Length)> batches, IReadOnlyList<ScoredSequence> heldOut, string description, string? heldOutText) = Prepare(options, model.Config, tokenizer);
        report.WriteLine($"base: {Path.GetFullPath(options.BaseModel)} ({model.Config.ParameterCount:N0} parameters); data: {description}");

        double before = Perplexity(model, heldOut, pad);
        report.WriteLine(string.Create(CultureInfo.InvariantCulture, $"held-out perplexity before: {before:F4}"));

        foreach (Parameter p in model.parameters())
        {
            p.requires_grad = false;
        }

        int adapted = 0;
        foreach ((string name, AdaptableLinear layer) in model.Projections)
        {
            if (options.TargetModules.Contains(name[(name.LastIndexOf('.') + 1)..]))
            {
                layer.AttachAdapter(options.Rank, options.Alpha, options.Dropout);
                adapted++;
            }
        }

        Parameter[] trainable = [.. model.parameters().Where(p => p.requires_grad)];
        report.WriteLine($"LoRA r={options.Rank}, alpha={options.Alpha} on {adapted} projections ({string.Join(", ", options.TargetModules)}): {trainable.Sum(p => p.numel()):N0} trainable parameters");

        TrainingCheckpoint checkpoint = TrainingCheckpoint.For(options.CheckpointDirectory, options.Output);
        using var optimization = new OptimizationLoop(trainable, options.Loop);
        TrainingLog log = checkpoint.ResumeOrStart(options.Resume, model, optimization, model.Config, report, optional: n => !PeftAdapterFiles.IsAdapterParameter(n));

        model.train();
        bool finished = optimization.Run(
            log,
            step =>
            {
                (long[] inputs, long[] targets, int length) = batches(options.Seed, step);
                int rows = inputs.Length / length;
                Tensor x = tensor(inputs, [rows, length]);
                Tensor y = tensor(targets, [rows, length]);
                return (model.Loss(x, y), targets.LongCount(t => t != SequenceBatch.Ignore));
            },
            () => Math.Log(Perplexity(model, heldOut, pad)),
            () => checkpoint.Save(model, optimization, model.Config, log, PeftAdapterFiles.IsAdapterParameter),
            logEvery: 10);
        if (!finished)
        {
            report.WriteLine($"stopped at step {log.Losses.Count} of {options.Loop.Steps}; continue with --resume");
            return null;
        }

        double after = Perplexity(model, heldOut, pad);
        PeftAdapterFiles.Write(model, options, options.Output);
        if (heldOutText is not null)
        {
            // Text data: the held-out tail, so `eval-ppl --file <adapter>/heldout.txt --window <seq-len> --adapter <adapter>` checks the figure.
            File.WriteAllText(Path.Combine(options.Output, PretrainingRun.HeldOutFileName), heldOutText);
        }

        var summary = new Dictionary<string, object?>
        {
            ["base_model"] = Path.GetFullPath(options.BaseModel),
            ["data"] = description,
            ["rank"] = options.Rank,
            ["alpha"] = options.Alpha,
            ["target_modules"] = options.TargetModules,
            ["trainable_parameters"] = trainable.Sum(p => p.numel()),
            ["steps"] = options.Loop.Steps,
            ["tokens_trained"] = log.Tokens,
            ["seconds"] = Math.Round(log.Seconds, 1),
            ["held_out_predictions"] = heldOut.Sum(s => s.Predictions),
            ["held_out_window"] = options.Text is null ? null : Math.Min(options.SequenceLength, model.Config.ContextLength),
            ["held_out_perplexity_before"] = Math.Round(before, 4),
            ["held_out_perplexity_after"] = Math.Round(after, 4),
        };
        File.WriteAllText(Path.Combine(options.Output, SummaryFileName), JsonSerializer.Serialize(summary, TrainingLog.JsonOptions) + "\n");
        report.WriteLine(string.Create(CultureInfo.InvariantCulture, $"held-out perplexity after: {after:F4} (before {before:F4}); adapter written to {Path.GetFullPath(options.Output)}"));
        return (before, after);
    }

    private static double Perplexity(LlamaForCausalLM model, IReadOnlyList<ScoredSequence> sequences, int pad)
    {
        (double nll, long predictions) = SequenceScorer.Score(model, sequences, pad);
        return Math.Exp(nll / predictions);
    }

    private static (Func<long, int, (long[], long[], int)> Batches, IReadOnlyList<ScoredSequence> HeldOut, string Description, string? HeldOutText) Prepare(LoraOptions options, LlamaTrainingConfig config, ITokenizer tokenizer)
    {
        int length = Math.Min(options.SequenceLength, config.ContextLength);
        if (options.Text is not null)
        {
            TextCorpus corpus = TextCorpus.Load(options.Text, options.HeldOutFraction);
            int[] train = tokenizer.Encode(corpus.TrainingText);
            int[] heldOut = tokenizer.Encode(corpus.HeldOutText);
            if (heldOut.Length < 2)
            {
                throw new ArgumentException($"--text '{options.Text}': the held-out tail ({options.HeldOutFraction:P0}) holds fewer than 2 tokens; give more text or a larger --holdout");
            }

            var windows = new TokenWindows(train, Math.Min(length, train.Length - 1));
            (long[], long[], int) Batch(long seed, int step)
            {
                var inputs = new long[options.BatchSize * windows.Length];
                var targets = new long[inputs.Length];
                windows.Fill(seed, step, inputs, targets);
                return (inputs, targets, windows.Length);
            }

            return (Batch, ScoredSequence.Windows(heldOut, length), $"{corpus.Files.Count} text file(s), {train.Length:N0} training + {heldOut.Length:N0} held-out tokens", corpus.HeldOutText);
        }

        IChatTemplate template = BaseModelFolder.LoadChatTemplate(options.BaseModel)
            ?? throw new ArgumentException($"{options.BaseModel}: tokenizer_config.json has no chat_template, so --chat data cannot be rendered");
        IReadOnlyList<ScoredSequence> examples = ChatExamples.Load(options.Chat!, tokenizer, template, length + 1);
        int held = Math.Max(1, (int)Math.Ceiling(examples.Count * options.HeldOutFraction));
        if (examples.Count - held < 1)
        {
            throw new ArgumentException($"--chat '{options.Chat}': {examples.Count} conversation(s) leave none for training after holding out {held}");
        }

        var training = examples.Take(examples.Count - held).ToList();
        var heldOutExamples = examples.Skip(examples.Count - held).ToList();
        (long[], long[], int) ChatBatch(long seed, int step)
        {
            var random = new Random(unchecked((int)((seed * 1_000_003) ^ (step * 7_919))));
            var picked = Enumerable.Range(0, options.BatchSize).Select(_ => training[random.Next(training.Count)]).ToList();
            return SequenceBatch.Pack(picked, tokenizer.EosIds.Count > 0 ? tokenizer.EosIds[0] : 0);
        }

        return (ChatBatch, heldOutExamples, $"{training.Count} training + {heldOutExamples.Count} held-out conversations", null);
    }
}
