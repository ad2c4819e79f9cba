using System.Text.Json;
using LlmFramework.Training.Tests.Support;
using LlmFramework.Training.Training;

namespace LlmFramework.Training.Tests.Training;

/// <summary>
/// A tiny pre-training run end to end: the loss falls, the output is a Hugging Face folder the engine loads, and the
/// engine's held-out perplexity is the trainer's.
/// </summary>
public sealed class PretrainingRunTests : IClassFixture<SharedModel>
{
    private readonly SharedModel _model;

    public PretrainingRunTests(SharedModel model) => _model = model;

    [Fact]
    public void The_output_folder_has_the_hugging_face_files_the_held_out_text_a_plot_and_a_summary()
    {
        foreach (string file in new[] { "config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json", "generation_config.json", PretrainingRun.HeldOutFileName, PretrainingRun.LossCurveFileName, PretrainingRun.SummaryFileName })
        {
            Assert.True(File.Exists(Path.Combine(_model.Output, file)), $"{file} is missing");
        }

        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_model.Output, PretrainingRun.SummaryFileName)));
        Assert.Equal(Math.Round(_model.Perplexity, 4), summary.RootElement.GetProperty("held_out_perplexity").GetDouble());
        Assert.Equal(40L * 4 * 64, summary.RootElement.GetProperty("tokens_seen").GetInt64());
    }

    [Fact]
    public void Training_lowers_the_loss_and_the_held_out_perplexity()
    {
        var log = TrainingLog.Load(Path.Combine(Path.GetDirectoryName(_model.Output)!, "checkpoints", "log.json"));
        Assert.Equal(40, log.Losses.Count);
        Assert.True(log.Losses.TakeLast(5).Average() < log.Losses.Take(5).Average() - 1, $"loss {log.Losses.Take(5).Average()} -> {log.Losses.TakeLast(5).Average()}");
        Assert.True(_model.Perplexity < 4096 / 4.0, $"held-out perplexity {_model.Perplexity} is no better than a quarter of uniform");
    }

    [Fact]
    public void The_engine_gives_the_trainers_held_out_perplexity()
    {
        string heldOut = File.ReadAllText(Path.Combine(_model.Output, PretrainingRun.HeldOutFileName));
        double engine = EngineScoring.Perplexity(_model.Output, heldOut, 64);
        Assert.True(Math.Abs(engine - _model.Perplexity) / _model.Perplexity < 0.005, $"engine {engine} vs trainer {_model.Perplexity}");
    }
}
