using System.CommandLine;
using System.Text;
using LlmFramework.Engine.Generation;
using LlmFramework.Host.Runtime;

namespace LlmFramework.Host.Cli;

/// <summary>`generate`: prompt in, generated text streamed to the console.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var sampling = new SamplingFlags();
        var prompt = new Option<string>("--prompt", "-p") { Description = "Prompt text", Required = true };
        var stats = new Option<bool>("--stats") { Description = "Print token counts and speed to stderr at the end" };
        var command = new Command("generate", "Generate text from a prompt, streaming it to the console");
        common.AddTo(command);
        sampling.AddTo(command);
        command.Options.Add(prompt);
        command.Options.Add(stats);
        command.SetAction((parse, cancellationToken) => Task.FromResult(CliRunner.Run(() =>
        {
            using CliSession session = CliSession.Open(parse, common, hotReload: true);
            ModelRuntime runtime = session.Runtime;
            string text = parse.GetValue(prompt)!;
            int[] tokens = runtime.Model.Tokenizer.Encode(text);
            var request = new GenerationRequest
            {
                PromptTokens = tokens,
                Sampling = sampling.Sampling(parse, session.Options.Generation),
                MaxTokens = sampling.MaxTokensOr(parse, session.Options.Generation),
                StopStrings = sampling.StopStrings(parse, session.Options.Generation),
            };
            var started = System.Diagnostics.Stopwatch.StartNew();
            GenerationChunk? last = StreamToConsole(runtime, request, text, cancellationToken);
            if (parse.GetValue(stats) && last is not null)
            {
                Console.Error.WriteLine($"[{last.PromptTokens} prompt tokens, {last.CompletionTokens} generated, {last.CompletionTokens / started.Elapsed.TotalSeconds:F1} tokens/s, finish: {last.FinishReason}]");
            }

            return 0;
        })));
        return command;
    }

    /// <summary>
    /// Streams a generation to the console (after <paramref name="echo"/>, if any); appends the generated text to
    /// <paramref name="transcript"/>. With <paramref name="trimStart"/> (a chat reply) leading white space is dropped.
    /// </summary>
    internal static GenerationChunk? StreamToConsole(ModelRuntime runtime, GenerationRequest request, string? echo, CancellationToken cancellationToken, StringBuilder? transcript = null, bool trimStart = false)
    {
        if (echo is not null)
        {
            Console.Write(echo);
        }

        GenerationChunk? last = null;
        IAsyncEnumerable<GenerationChunk> stream = runtime.Engine.GenerateAsync(request, cancellationToken);
        IAsyncEnumerator<GenerationChunk> e = stream.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (e.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                last = e.Current;
                string text = trimStart ? last.Text.TrimStart() : last.Text;
                trimStart &= text.Length == 0;
                Console.Write(text);
                Console.Out.Flush();
                transcript?.Append(text);
            }
        }
        finally
        {
            e.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        Console.WriteLine();
        return last;
    }
}
