using System.Globalization;
using System.Reflection;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Benchmarks.ServingVsLlamaCpp;

/// <summary>Command-line settings of the concurrent-streams benchmark.</summary>
internal sealed record ServingOptions
{
    public const string Usage = """
        ServingVsLlamaCpp: aggregate decode tokens/s and time to first token of N concurrent streams,
        LlmFramework's InferenceEngine against llama.cpp's BatchedExecutor (LLamaSharp 0.30), same GGUF, same threads.
          --streams A,B,...       concurrency levels (default 1,4,16,64)
          --gen-tokens N          tokens generated per stream (default 64)
          --prompt-tokens N       prompt tokens per stream (default 32)
          --dtype f16|q8_0        weights of the written model (default f16)
          --threads N             compute threads for both engines (default 2)
          --model PATH            use this GGUF instead of writing/reusing the default benchmark model
          --runs N                timed runs per engine and concurrency, after one warm-up; the best is reported (default 1)
          --max-batch-tokens N    our EngineOptions.MaxBatchTokens and llama.cpp's batch size (default 512)
          --shared-prompt         also run a variant where every stream has the same prompt
          --engines ours,llama    which engines to measure (default both)
          --llama-kv split|unified  llama.cpp KV cache: one stream per sequence (default) or one unified cache
          --bandwidth GB/s        memory read bandwidth for the ceiling (default 36 for 1 thread, 61 for 2+)
          --format markdown|json  what to print on stdout (default markdown)
          --out DIR               also write result.md and result.json into DIR
        """;

    public IReadOnlyList<int> Streams { get; init; } = [1, 4, 16, 64];

    public int GenTokens { get; init; } = 64;

    public int PromptTokens { get; init; } = 32;

    public DType DType { get; init; } = DType.F16;

    public int Threads { get; init; } = 2;

    public string? ModelPath { get; init; }

    public int Runs { get; init; } = 1;

    public int MaxBatchTokens { get; init; } = 512;

    public bool SharedPrompt { get; init; }

    public bool RunOurs { get; init; } = true;

    public bool RunLlamaCpp { get; init; } = true;

    public bool LlamaUnifiedKv { get; init; }

    public double? BandwidthGBs { get; init; }

    public bool Json { get; init; }

    public string? OutDirectory { get; init; }

    /// <summary>Where the default benchmark model is written and cached: models/ beside the project.</summary>
    public string ModelDirectory { get; init; } = DefaultModelDirectory();

    /// <summary>Read bandwidth measured on the 2-core development machine: ~36 GB/s one thread, ~61 GB/s two.</summary>
    public double EffectiveBandwidthGBs => BandwidthGBs ?? (Threads <= 1 ? 36 : 61);

    public int MaxStreams => Streams.Max();

    public static ServingOptions Parse(string[] args)
    {
        var options = new ServingOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string flag = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{flag} needs a value");
            int Positive(string text) => int.TryParse(text, CultureInfo.InvariantCulture, out int v) && v > 0
                ? v
                : throw new ArgumentException($"{flag}: '{text}' is not a positive integer");
            options = flag switch
            {
                "--streams" => options with { Streams = Next().Split(',').Select(s => Positive(s.Trim())).Distinct().Order().ToArray() },
                "--gen-tokens" => options with { GenTokens = Positive(Next()) },
                "--prompt-tokens" => options with { PromptTokens = Math.Max(2, Positive(Next())) },
                "--dtype" => options with { DType = ParseDType(Next()) },
                "--threads" => options with { Threads = Positive(Next()) },
                "--model" => options with { ModelPath = Path.GetFullPath(Next()) },
                "--runs" => options with { Runs = Positive(Next()) },
                "--max-batch-tokens" => options with { MaxBatchTokens = Positive(Next()) },
                "--shared-prompt" => options with { SharedPrompt = true },
                "--engines" => ParseEngines(options, Next()),
                "--llama-kv" => options with { LlamaUnifiedKv = Next() switch { "unified" => true, "split" => false, var v => throw new ArgumentException($"--llama-kv: '{v}' is not split or unified") } },
                "--bandwidth" => options with { BandwidthGBs = double.TryParse(Next(), CultureInfo.InvariantCulture, out double b) && b > 0 ? b : throw new ArgumentException("--bandwidth needs a positive number of GB/s") },
                "--format" => options with { Json = Next() switch { "json" => true, "markdown" => false, var v => throw new ArgumentException($"--format: '{v}' is not markdown or json") } },
                "--out" => options with { OutDirectory = Path.GetFullPath(Next()) },
                _ => throw new ArgumentException($"unknown option '{flag}'"),
            };
        }

        if (options.MaxBatchTokens < options.MaxStreams)
        {
            throw new ArgumentException($"--max-batch-tokens ({options.MaxBatchTokens}) must hold one decode token of each of the {options.MaxStreams} streams");
        }

        if (options.ModelPath is not null && !File.Exists(options.ModelPath))
        {
            throw new ArgumentException($"--model: '{options.ModelPath}' does not exist");
        }

        return options;
    }

    private static ServingOptions ParseEngines(ServingOptions options, string text)
    {
        string[] names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (string name in names)
        {
            if (name is not ("ours" or "llama"))
            {
                throw new ArgumentException($"--engines: '{name}' is not ours or llama");
            }
        }

        return options with { RunOurs = names.Contains("ours"), RunLlamaCpp = names.Contains("llama") };
    }

    private static DType ParseDType(string text) => text.Trim().ToUpperInvariant() switch
    {
        "F16" => DType.F16,
        "Q8_0" => DType.Q8_0,
        _ => throw new ArgumentException($"--dtype: '{text}' is not f16 or q8_0"),
    };

    private static string DefaultModelDirectory()
    {
        string? projectDirectory = typeof(ServingOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ProjectDirectory")?.Value;
        return Path.Combine(projectDirectory ?? AppContext.BaseDirectory, "models");
    }
}
