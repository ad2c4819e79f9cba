using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Training.Data;
using LlmFramework.Training.Export;
using LlmFramework.Training.Model;
using LlmFramework.Training.Training;
using static TorchSharp.torch;

namespace LlmFramework.Training.Distillation;

/// <summary>
/// Knowledge distillation (the `distill` verb): a student LLaMA of a smaller shape is trained to match the teacher's
/// temperature-softened next-token distribution, loss = Alpha * T^2 * KL(p_teacher^T || p_student^T) + (1 - Alpha) *
/// cross-entropy on the data. Student and teacher perplexity on the held-out tail and their scoring speed are reported.
/// </summary>
public static class DistillationRun
{
    /// <summary>File name of the run summary written beside the student.</summary>
    public const string SummaryFileName = "distillation.json";

    /// <summary>Runs (or resumes) distillation; returns (teacher, student) held-out perplexity, or null when stopped early.</summary>
    public static (double Teacher, double Student)? Run(DistillOptions options, LlamaTrainingConfig studentShape, TextWriter report)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(studentShape);
        ArgumentNullException.ThrowIfNull(report);
        TorchSetup.Threads(options.Threads);
        manual_seed(options.Seed);
        using LlamaForCausalLM teacher = BaseModelFolder.LoadModel(options.Teacher);
        options.Validate(teacher.Config.ContextLength);
        LlamaTrainingConfig studentConfig = studentShape with
        {
            VocabSize = teacher.Config.VocabSize,
            ContextLength = teacher.Config.ContextLength,
            RopeTheta = teacher.Config.RopeTheta,
            NormEpsilon = teacher.Config.NormEpsilon,
            BosId = teacher.Config.BosId,
            EosId = teacher.Config.EosId,
        };
        studentConfig.Validate();
        ITokenizer tokenizer = BaseModelFolder.LoadTokenizer(options.Teacher);
        TextCorpus corpus = TextCorpus.Load(options.Data, options.HeldOutFraction);
        int[] train = tokenizer.Encode(corpus.TrainingText);
        int[] heldOut = tokenizer.Encode(corpus.HeldOutText);
        var windows = new TokenWindows(train, options.SequenceLength);
        teacher.eval();
        using var student = new LlamaForCausalLM(studentConfig);
        report.WriteLine(string.Create(CultureInfo.InvariantCulture, $"teacher {teacher.Config.ParameterCount:N0} parameters -> student {studentConfig.ParameterCount:N0} (dim {studentConfig.Dim}, {studentConfig.Layers} layers, {studentConfig.Heads} heads, ffn {studentConfig.FeedForward}); T = {options.Temperature}, alpha = {options.Alpha}; {train.Length:N0} training + {heldOut.Length:N0} held-out tokens"));

        TrainingCheckpoint checkpoint = TrainingCheckpoint.For(options.CheckpointDirectory, options.Output);
        using var optimization = new OptimizationLoop(student.parameters(), options.Loop);
        TrainingLog log = checkpoint.ResumeOrStart(options.Resume, student, optimization, studentConfig, report);

        var inputs = new long[options.BatchSize * options.SequenceLength];
        var targets = new long[inputs.Length];
        student.train();
        bool finished = optimization.Run(
            log,
            step =>
            {
                windows.Fill(options.Seed, step, inputs, targets);
                Tensor x = tensor(inputs, [options.BatchSize, options.SequenceLength]);
                Tensor y = tensor(targets, [options.BatchSize, options.SequenceLength]);
                return (Loss(teacher, student, x, y, options), inputs.Length);
            },
            () =>
            {
                (double nll, long n) = PerplexityWindows.Score(student, heldOut, options.EvalWindow, maxWindows: options.EvalWindows);
                return nll / n;
            },
            () => checkpoint.Save(student, optimization, studentConfig, log));
        if (!finished)
        {
            report.WriteLine($"stopped at step {log.Losses.Count} of {options.Loop.Steps}; continue with --resume");
            return null;
        }

        (double teacherPpl, double teacherSpeed) = Evaluate(teacher, heldOut, options.EvalWindow);
        (double studentPpl, double studentSpeed) = Evaluate(student, heldOut, options.EvalWindow);
        string teacherTokenizerConfig = Path.Combine(options.Teacher, "tokenizer_config.json");
        HuggingFaceFolder.Write(student, options.Output, Path.Combine(options.Teacher, "tokenizer.model"), DType.F16, File.Exists(teacherTokenizerConfig) ? teacherTokenizerConfig : null);

        var summary = new Dictionary<string, object?>
        {
            ["teacher"] = Path.GetFullPath(options.Teacher),
            ["teacher_parameters"] = teacher.Config.ParameterCount,
            ["student_parameters"] = studentConfig.ParameterCount,
            ["student_config"] = studentConfig,
            ["temperature"] = options.Temperature,
            ["alpha"] = options.Alpha,
            ["steps"] = options.Loop.Steps,
            ["tokens_seen"] = log.Tokens,
            ["seconds"] = Math.Round(log.Seconds, 1),
            ["held_out_window"] = options.EvalWindow,
            ["teacher_held_out_perplexity"] = Math.Round(teacherPpl, 4),
            ["student_held_out_perplexity"] = Math.Round(studentPpl, 4),
            ["teacher_scoring_tokens_per_second"] = Math.Round(teacherSpeed),
            ["student_scoring_tokens_per_second"] = Math.Round(studentSpeed),
        };
        File.WriteAllText(Path.Combine(options.Output, SummaryFileName), JsonSerializer.Serialize(summary, TrainingLog.JsonOptions) + "\n");
        File.WriteAllText(Path.Combine(options.Output, PretrainingRun.HeldOutFileName), corpus.HeldOutText);
        report.WriteLine(string.Create(CultureInfo.InvariantCulture, $"held-out perplexity: teacher {teacherPpl:F4}, student {studentPpl:F4}; torch scoring speed: teacher {teacherSpeed:F0} tok/s, student {studentSpeed:F0} tok/s ({studentSpeed / teacherSpeed:F2}x)"));
        report.WriteLine($"student written to {Path.GetFullPath(options.Output)}");
        return (teacherPpl, studentPpl);
    }

    /// <summary>Alpha * T^2 * KL(teacher || student) at temperature T, plus (1 - Alpha) * cross-entropy on the targets.</summary>
    internal static Tensor Loss(LlamaForCausalLM teacher, LlamaForCausalLM student, Tensor x, Tensor y, DistillOptions options)
    {
        using var scope = NewDisposeScope();
        int vocab = student.Config.VocabSize;
        Tensor studentLogits = student.forward(x).view(-1, vocab);
        Tensor loss = zeros(1).squeeze();
        if (options.Alpha > 0)
        {
            Tensor teacherLogits;
            using (no_grad())
            {
                teacherLogits = teacher.forward(x).view(-1, vocab);
            }

            Tensor teacherLog = nn.functional.log_softmax(teacherLogits / options.Temperature, -1);
            Tensor studentLog = nn.functional.log_softmax(studentLogits / options.Temperature, -1);
            Tensor kl = (teacherLog.exp() * (teacherLog - studentLog)).sum(-1).mean();
            loss = loss + (kl * (options.Alpha * options.Temperature * options.Temperature));
        }

        if (options.Alpha < 1)
        {
            loss = loss + (nn.functional.cross_entropy(studentLogits, y.view(-1)) * (1 - options.Alpha));
        }

        return loss.MoveToOuterDisposeScope();
    }

    private static (double Perplexity, double TokensPerSecond) Evaluate(LlamaForCausalLM model, int[] heldOut, int window)
    {
        var clock = Stopwatch.StartNew();
        (double nll, long predictions) = PerplexityWindows.Score(model, heldOut, window);
        return (Math.Exp(nll / predictions), heldOut.Length / clock.Elapsed.TotalSeconds);
    }
}
