using System.Text.Json;
using LlmFramework.Training.Distillation;
using LlmFramework.Training.Model;
using LlmFramework.Training.Tests.Support;
using LlmFramework.Training.Training;
using static TorchSharp.torch;

namespace LlmFramework.Training.Tests.Distillation;

/// <summary>Distillation: the KL term vanishes when the student is the teacher; a run writes a loadable student and a comparison.</summary>
public sealed class DistillationRunTests : IClassFixture<SharedModel>, IDisposable
{
    private readonly SharedModel _teacher;
    private readonly TempFolder _folder = new();

    public DistillationRunTests(SharedModel teacher) => _teacher = teacher;

    public void Dispose() => _folder.Dispose();

    private DistillOptions Options(double alpha = 0.5) => new()
    {
        Teacher = _teacher.Output,
        Data = _teacher.Text,
        Output = _folder.Combine("student"),
        CheckpointDirectory = _folder.Combine("checkpoint"),
        Alpha = alpha,
        Temperature = 2,
        HeldOutFraction = 0.1,
        EvalWindow = 64,
        EvalWindows = 2,
        BatchSize = 4,
        SequenceLength = 64,
        Threads = 1,
        Loop = new LoopSettings { Steps = 25, LearningRate = 5e-3, MinLearningRate = 5e-4, WarmupSteps = 3, EvalEvery = 0, CheckpointEvery = 0 },
    };

    [Fact]
    public void The_distillation_term_is_zero_when_the_student_is_the_teacher()
    {
        using LlamaForCausalLM teacher = BaseModelFolder.LoadModel(_teacher.Output);
        using LlamaForCausalLM copy = BaseModelFolder.LoadModel(_teacher.Output);
        teacher.eval();
        copy.eval();
        using Tensor x = tensor(new long[] { 1, 30, 40, 50, 60, 70, 80, 90 }, [2, 4]);
        using Tensor y = tensor(new long[] { 30, 40, 50, 60, 70, 80, 90, 100 }, [2, 4]);
        using Tensor kl = DistillationRun.Loss(teacher, copy, x, y, Options(alpha: 1));
        Assert.True(Math.Abs(kl.item<float>()) < 1e-5, $"KL of a model with itself is {kl.item<float>()}");
        using Tensor mixed = DistillationRun.Loss(teacher, copy, x, y, Options(alpha: 0));
        using Tensor ce = copy.Loss(x, y);
        Assert.Equal(ce.item<float>(), mixed.item<float>(), 4);
    }

    [Fact]
    public void A_run_writes_a_smaller_student_the_engine_loads_and_reports_both_perplexities()
    {
        var shape = new LlamaTrainingConfig { Dim = 16, Layers = 1, Heads = 2, KvHeads = 2, FeedForward = 32 };
        (double Teacher, double Student) result = DistillationRun.Run(Options(), shape, TextWriter.Null) ?? throw new InvalidOperationException("stopped early");
        string student = _folder.Combine("student");
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(student, DistillationRun.SummaryFileName)));
        Assert.Equal(Math.Round(result.Student, 4), summary.RootElement.GetProperty("student_held_out_perplexity").GetDouble());
        Assert.True(summary.RootElement.GetProperty("student_parameters").GetInt64() < summary.RootElement.GetProperty("teacher_parameters").GetInt64());
        Assert.True(result.Student < 4096 / 2.0, $"the student learned nothing: {result.Student}");
        string heldOut = File.ReadAllText(Path.Combine(student, PretrainingRun.HeldOutFileName));
        double engine = EngineScoring.Perplexity(student, heldOut, 64);
        Assert.True(Math.Abs(engine - result.Student) / result.Student < 0.005, $"engine {engine} vs trainer {result.Student}");
    }

    [Theory]
    [InlineData(0, 0.5, "--temperature must be positive")]
    [InlineData(2, 1.5, "--alpha must be in [0, 1]")]
    public void Bad_distillation_settings_are_named(double temperature, double alpha, string problem)
    {
        var ex = Assert.Throws<ArgumentException>(() => DistillationRun.Run(Options() with { Temperature = temperature, Alpha = alpha }, new LlamaTrainingConfig { Dim = 16, Layers = 1, Heads = 2, KvHeads = 2, FeedForward = 32 }, TextWriter.Null));
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }
}
