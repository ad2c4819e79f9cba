using System.Globalization;
using System.Reflection;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Benchmarks.DecodeVsLlamaCpp;

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchmarkOptions
{
    public const string Usage = """
        DecodeVsLlamaCpp: prefill and decode tokens/s of llama.cpp (LLamaSharp) and LlmFramework on the same GGUF.
          --threads N        compute threads for both engines (default 2)
          --prompt N         prompt tokens (default 64)
          --gen N            decoded tokens (default 128)
          --runs N           timed runs after one warm-up; the best is reported (default 3)
          --dtypes A,B       weight types to write and measure (default F16,Q8_0)
          --bandwidth GB/s   memory read bandwidth for the ceiling (default 36 for 1 thread, 61 for 2+)
          --models DIR       where written models are cached (default benchmarks/DecodeVsLlamaCpp/models)
          --rewrite          write the models again even if cached
          --only llama|ours  measure one engine only
          --json FILE        also write the JSON result to FILE
        """;

    public int Threads { get; init; } = 2;

    public int PromptTokens { get; init; } = 64;

    public int GenTokens { get; init; } = 128;

    public int Runs { get; init; } = 3;

    public IReadOnlyList<DType> DTypes { get; init; } = [DType.F16, DType.Q8_0];

    public double? BandwidthGBs { get; init; }

    public string ModelDirectory { get; init; } = DefaultModelDirectory();

    public bool Rewrite { get; init; }

    public string? Only { get; init; }

    public string? JsonPath { get; init; }

    /// <summary>Read bandwidth measured on the 2-core development machine: ~36 GB/s one thread, ~61 GB/s two.</summary>
    public double EffectiveBandwidthGBs => BandwidthGBs ?? (Threads <= 1 ? 36 : 61);

    public bool RunLlamaCpp => Only is null or "llama";

    public bool RunOurs => Only is null or "ours";

    public static BenchmarkOptions Parse(string[] args)
    {
        var options = new BenchmarkOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string flag = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{flag} needs a value");
            int NextInt() => int.TryParse(Next(), CultureInfo.InvariantCulture, out int v) && v > 0
                ? v
                : throw new ArgumentException($"{flag} needs a positive integer");
            options = flag switch
            {
                "--threads" => options with { Threads = NextInt() },
                "--prompt" => options with { PromptTokens = NextInt() },
                "--gen" => options with { GenTokens = NextInt() },
                "--runs" => options with { Runs = NextInt() },
                "--dtypes" => options with { DTypes = Next().Split(',').Select(ParseDType).ToArray() },
                "--bandwidth" => options with { BandwidthGBs = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--models" => options with { ModelDirectory = Path.GetFullPath(Next()) },
                "--rewrite" => options with { Rewrite = true },
                "--only" => options with { Only = Next() is "llama" or "ours" ? args[i] : throw new ArgumentException("--only takes llama or ours") },
                "--json" => options with { JsonPath = Next() },
                _ => throw new ArgumentException($"unknown option '{flag}'"),
            };
        }

        return options;
    }

    private static DType ParseDType(string text) => Enum.TryParse(text.Trim(), ignoreCase: true, out DType dtype) && dtype is DType.F32 or DType.F16 or DType.Q8_0 or DType.Q4_0
        ? dtype
        : throw new ArgumentException($"--dtypes: '{text}' is not one of F32, F16, Q8_0, Q4_0");

    private static string DefaultModelDirectory()
    {
        string? projectDirectory = typeof(BenchmarkOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ProjectDirectory")?.Value;
        return Path.Combine(projectDirectory ?? AppContext.BaseDirectory, "models");
    }
}
