using System.Globalization;

namespace LlmFramework.Benchmarks.MoeOffload;

/// <summary>Command-line settings of the MoE offload benchmark.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        usage: MoeOffload [--fractions 1,0.5,0.25,0.125] [--routing model,zipf] [--zipf 1.2] [--tokens 64] [--warmup 96]
                          [--threads 2] [--dim 512] [--layers 4] [--dense-layers 1] [--experts 64] [--experts-per-token 6]
                          [--shared-experts 2] [--expert-ffn 256] [--dtype q8_0] [--no-llama-cpp] [--no-prefetch] [--compact q4_0] [--devices 1] [--profile] [--repeat 3] [--models DIR]
        Writes a DeepSeek-shaped deepseek2 GGUF, then for every routing and resident fraction runs --repeat fresh processes (the
        median is reported) with the LoadAware scheduler under that budget, and reports decode tokens/s and peak RSS; also llama.cpp on the same file.
        """;

    public double[] Fractions { get; init; } = [1, 0.5, 0.25, 0.125];
    public string[] Routings { get; init; } = ["model", "zipf"];
    public double Zipf { get; init; } = 1.2;
    public int Tokens { get; init; } = 64;
    public int Warmup { get; init; } = 96;
    public int Threads { get; init; } = 2;
    public int Dim { get; init; } = 512;
    public int Layers { get; init; } = 4;
    public int DenseLayers { get; init; } = 1;
    public int Experts { get; init; } = 64;
    public int ExpertsPerToken { get; init; } = 6;
    public int SharedExperts { get; init; } = 2;
    public int ExpertFfn { get; init; } = 256;
    public string DType { get; init; } = "q8_0";
    public bool LlamaCpp { get; init; } = true;
    public bool Profile { get; init; }
    public bool Prefetch { get; init; } = true;
    public string? Compact { get; init; }
    public int Devices { get; init; } = 1;
    public int Repeat { get; init; } = 3;
    public string? ModelDirectory { get; init; }

    /// <summary>A child run: one routing and fraction.</summary>
    public string? ChildModel { get; init; }
    public string ChildRouting { get; init; } = "model";
    public double ChildFraction { get; init; } = 1;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--fractions" => o with { Fractions = [.. Next().Split(',').Select(f => double.Parse(f, CultureInfo.InvariantCulture))] },
                "--routing" => o with { Routings = Next().Split(',') },
                "--zipf" => o with { Zipf = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--tokens" => o with { Tokens = Int() },
                "--warmup" => o with { Warmup = Int() },
                "--threads" => o with { Threads = Int() },
                "--dim" => o with { Dim = Int() },
                "--layers" => o with { Layers = Int() },
                "--dense-layers" => o with { DenseLayers = Int() },
                "--experts" => o with { Experts = Int() },
                "--experts-per-token" => o with { ExpertsPerToken = Int() },
                "--shared-experts" => o with { SharedExperts = Int() },
                "--expert-ffn" => o with { ExpertFfn = Int() },
                "--dtype" => o with { DType = Next() },
                "--no-llama-cpp" => o with { LlamaCpp = false },
                "--profile" => o with { Profile = true },
                "--no-prefetch" => o with { Prefetch = false },
                "--compact" => o with { Compact = Next() },
                "--devices" => o with { Devices = Int() },
                "--repeat" => o with { Repeat = Int() },
                "--models" => o with { ModelDirectory = Next() },
                "--child-model" => o with { ChildModel = Next() },
                "--child-routing" => o with { ChildRouting = Next() },
                "--child-fraction" => o with { ChildFraction = double.Parse(Next(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        if (o.Fractions.Any(f => f is <= 0 or > 1) || o.Routings.Any(r => r is not ("model" or "zipf")) || o.Tokens < 1 || o.Threads < 1 || o.Repeat < 1)
        {
            throw new ArgumentException("fractions must be in (0, 1], routing model or zipf, tokens and threads at least 1");
        }

        return o;
    }
}
