using System.Runtime.CompilerServices;
using System.Text;

namespace LlmFramework.SemanticKernel.Core;

/// <summary>Reads the <c>data:</c> payloads of a server-sent-events stream, one per event, until <c>data: [DONE]</c> or the end.</summary>
internal static class ServerSentEvents
{
    /// <summary>The end-of-stream marker of the OpenAI streaming format.</summary>
    public const string Done = "[DONE]";

    public static async IAsyncEnumerable<string> ReadDataAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var data = new StringBuilder();
        while (true)
        {
            string? line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null || line.Length == 0)
            {
                // A blank line ends an event (and the end of the stream ends the last one).
                if (data.Length > 0)
                {
                    string payload = data.ToString();
                    data.Clear();
                    if (payload == Done)
                    {
                        yield break;
                    }

                    yield return payload;
                }

                if (line is null)
                {
                    yield break;
                }

                continue;
            }

            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                ReadOnlySpan<char> value = line.AsSpan(5);
                if (value.Length > 0 && value[0] == ' ')
                {
                    value = value[1..];
                }

                if (data.Length > 0)
                {
                    data.Append('\n');
                }

                data.Append(value);
            }

            // Comments (": ...") and the event/id/retry fields carry nothing the chat stream needs.
        }
    }
}
