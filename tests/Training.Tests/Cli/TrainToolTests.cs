using System.Diagnostics;
using System.Runtime.InteropServices;
using LlmFramework.Training.Tests.Support;

namespace LlmFramework.Training.Tests.Cli;

/// <summary>The llmf-train tool as a user runs it: flags reach the trainer, results are printed, bad input exits 1 with one line.</summary>
public sealed class TrainToolTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string ToolPath
    {
        get
        {
#if DEBUG
            const string configuration = "Debug";
#else
            const string configuration = "Release";
#endif
            string folder = Path.Combine(TestPaths.Root, "tools", "Train", "bin", configuration, "net10.0", RuntimeInformation.RuntimeIdentifier);
            return Path.Combine(folder, "llmf-train.dll");
        }
    }

    private (int Exit, string Out, string Error) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder.Path };
        start.ArgumentList.Add(ToolPath);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("llmf-train did not finish in 3 minutes");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    [Fact]
    public void Train_runs_from_the_command_line_and_prints_the_perplexity()
    {
        string text = TinyRuns.WriteText(_folder, characters: 12_000);
        (int exit, string output, string error) = Run("train", "--data", text, "--tokenizer", TestPaths.Tokenizer, "--out", "model",
            "--dim", "32", "--layers", "1", "--heads", "2", "--ffn", "64", "--context", "64", "--seq-len", "32", "--batch", "2",
            "--steps", "6", "--warmup", "1", "--eval-every", "0", "--eval-window", "64", "--threads", "1");
        Assert.True(exit == 0, error);
        Assert.Contains("perplexity: ", output, StringComparison.Ordinal);
        Assert.Contains("step      6/6", error, StringComparison.Ordinal);
        Assert.True(File.Exists(_folder.Combine("model", "model.safetensors")));
        Assert.True(File.Exists(_folder.Combine("artifacts", "checkpoints", "model", "log.json")));
    }

    [Fact]
    public void Bad_input_exits_with_one_line_naming_it()
    {
        (int exit, _, string error) = Run("train", "--data", _folder.Combine("none.txt"), "--tokenizer", TestPaths.Tokenizer, "--out", "model");
        Assert.Equal(1, exit);
        Assert.StartsWith("error: --data", error.Trim(), StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void Every_verb_documents_its_flags()
    {
        foreach ((string verb, string flag) in new[] { ("train", "--checkpoint-every"), ("finetune", "--targets"), ("distill", "--temperature") })
        {
            (int exit, string output, _) = Run(verb, "--help");
            Assert.Equal(0, exit);
            Assert.Contains(flag, output, StringComparison.Ordinal);
            Assert.Contains("--resume", output, StringComparison.Ordinal);
        }
    }
}
