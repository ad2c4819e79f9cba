using System.Globalization;
using LlmFramework.SemanticKernel.Settings;

namespace LlmFramework.Samples.Rag;

/// <summary>The sample's command line.</summary>
internal sealed record RagArguments(string Docs, string Question, int TopK, int MaxTokens, int ChunkWords, Uri? Endpoint, string? ApiKey, RemoteTransport Transport)
{
    public static RagArguments Parse(string[] args)
    {
        var parsed = new RagArguments(Path.Combine(AppContext.BaseDirectory, "docs"), "Who was Mr. Bingley?", 3, 48, 60, null, null, RemoteTransport.Sse);
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Number() => int.Parse(Value(), CultureInfo.InvariantCulture);
            parsed = args[i] switch
            {
                "--docs" => parsed with { Docs = Value() },
                "--question" => parsed with { Question = Value() },
                "--top-k" => parsed with { TopK = Number() },
                "--max-tokens" => parsed with { MaxTokens = Number() },
                "--chunk-words" => parsed with { ChunkWords = Number() },
                "--endpoint" => parsed with { Endpoint = new Uri(Value()) },
                "--api-key" => parsed with { ApiKey = Value() },
                "--transport" => parsed with { Transport = Value() switch { "sse" => RemoteTransport.Sse, "msgpack" => RemoteTransport.MessagePack, string t => throw new ArgumentException($"--transport must be sse or msgpack, got '{t}'") } },
                string other => throw new ArgumentException($"unknown argument '{other}'; known: --docs DIR, --question TEXT, --top-k K, --max-tokens N, --chunk-words W, --endpoint URL, --api-key K, --transport sse|msgpack"),
            };
        }

        if (!Directory.Exists(parsed.Docs))
        {
            throw new ArgumentException($"--docs: '{Path.GetFullPath(parsed.Docs)}' is not a folder");
        }

        if (parsed.TopK < 1 || parsed.MaxTokens < 1 || parsed.ChunkWords < 1)
        {
            throw new ArgumentException($"--top-k, --max-tokens and --chunk-words must be at least 1, got {parsed.TopK}, {parsed.MaxTokens}, {parsed.ChunkWords}");
        }

        return parsed;
    }
}
