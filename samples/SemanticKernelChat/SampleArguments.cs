using System.Globalization;
using LlmFramework.SemanticKernel.Settings;

namespace LlmFramework.Samples.SemanticKernelChat;

/// <summary>The sample's command line.</summary>
internal sealed record SampleArguments(Uri? Endpoint, string? ApiKey, RemoteTransport Transport, string? ConfigFile, string Topic, int MaxTokens)
{
    public static SampleArguments Parse(string[] args)
    {
        var parsed = new SampleArguments(null, null, RemoteTransport.Sse, null, "a lighthouse keeper", 48);
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            parsed = args[i] switch
            {
                "--endpoint" => parsed with { Endpoint = new Uri(Value()) },
                "--api-key" => parsed with { ApiKey = Value() },
                "--transport" => parsed with { Transport = Value() switch { "sse" => RemoteTransport.Sse, "msgpack" => RemoteTransport.MessagePack, string t => throw new ArgumentException($"--transport must be sse or msgpack, got '{t}'") } },
                "--config" => parsed with { ConfigFile = Value() },
                "--topic" => parsed with { Topic = Value() },
                "--max-tokens" => parsed with { MaxTokens = int.Parse(Value(), CultureInfo.InvariantCulture) },
                string other => throw new ArgumentException($"unknown argument '{other}'; known: --endpoint URL, --transport sse|msgpack, --api-key K, --config FILE, --topic TEXT, --max-tokens N"),
            };
        }

        return parsed.MaxTokens >= 1 ? parsed : throw new ArgumentException($"--max-tokens must be at least 1, got {parsed.MaxTokens}");
    }
}
