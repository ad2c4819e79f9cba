using System.Threading.Channels;
using LlmFramework.Engine.Generation;
using LlmFramework.Host.Serving.Parsing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Host.Serving.Generation;

/// <summary>
/// The engine generations of one API request (n choices, or one per prompt), run concurrently and merged into one
/// stream of <see cref="ChoiceEvent"/>s in the order the engine produced them. Starting refuses the whole request
/// when the queue is full (429) and withdraws the choices already queued. A generation the engine cancels ends the
/// stream with the reason as an <see cref="ApiError"/> (Cancelled never reaches the client as a finish reason); an
/// engine failure ends it with a 500. Disposing cancels what still runs and waits for the engine to let go.
/// </summary>
internal sealed class GenerationCall : IAsyncDisposable
{
    private readonly Channel<ChoiceEvent> _events = Channel.CreateUnbounded<ChoiceEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _cancel;
    private readonly RequestCancellation _reason;
    private readonly ILogger _logger;
    private readonly List<Task> _pumps = [];
    private int _running;

    private GenerationCall(RequestCancellation reason, ILogger logger)
    {
        _reason = reason;
        _logger = logger;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(reason.Token);
    }

    /// <summary>The merged events; the reader throws an <see cref="ApiError"/> when a choice was cancelled or failed.</summary>
    public ChannelReader<ChoiceEvent> Events => _events.Reader;

    public static GenerationCall Start(ServedModel model, IReadOnlyList<ChoicePlan> choices, RequestCancellation reason, int retryAfterSeconds, ILogger logger)
    {
        var call = new GenerationCall(reason, logger);
        var streams = new List<IAsyncEnumerable<GenerationChunk>>(choices.Count);
        try
        {
            foreach (ChoicePlan choice in choices)
            {
                streams.Add(model.Engine.GenerateAsync(choice.Request, call._cancel.Token));
            }
        }
        catch (Exception ex) when (ex is EngineQueueFullException or ArgumentException or ObjectDisposedException)
        {
            call._cancel.Cancel();
            call._cancel.Dispose();
            throw ex switch
            {
                EngineQueueFullException full => new ApiError(StatusCodes.Status429TooManyRequests, "rate_limit_error", full.Message, null, "queue_full") { RetryAfterSeconds = retryAfterSeconds },
                ArgumentException bad => ApiError.FromArgument(bad),
                _ => new ApiError(StatusCodes.Status503ServiceUnavailable, "server_error", $"the model '{model.Id}' is being unloaded", "model", "model_unloaded"),
            };
        }

        call._running = choices.Count;
        for (int i = 0; i < choices.Count; i++)
        {
            call._pumps.Add(call.PumpAsync(choices[i], streams[i]));
        }

        return call;
    }

    private async Task PumpAsync(ChoicePlan plan, IAsyncEnumerable<GenerationChunk> stream)
    {
        var parser = new ReplyParser(plan.ParseReasoning, plan.StartsInReasoning, plan.ParseTools, plan.TrimLeadingSpace);
        Exception? failure = null;
        try
        {
            await foreach (GenerationChunk chunk in stream.ConfigureAwait(false))
            {
                if (chunk.FinishReason == FinishReason.Cancelled)
                {
                    failure = _reason.Explain();
                    break;
                }

                ReasoningSplit split = parser.Push(chunk.Text);
                string content = split.Content;
                string thought = split.Reasoning;
                IReadOnlyList<ParsedToolCall> calls = [];
                string? finish = null;
                if (chunk.FinishReason is FinishReason reason)
                {
                    (ReasoningSplit tail, calls) = parser.Flush();
                    content += tail.Content;
                    thought += tail.Reasoning;
                    finish = calls.Count > 0 ? "tool_calls" : reason is FinishReason.Length or FinishReason.ContextFull ? "length" : "stop";
                }

                await _events.Writer.WriteAsync(
                    new ChoiceEvent(plan.Index)
                    {
                        Content = content,
                        Reasoning = thought,
                        TokenId = chunk.TokenId,
                        Logprobs = chunk.Logprobs,
                        ToolCalls = calls,
                        FinishReason = finish,
                        PromptTokens = chunk.PromptTokens,
                        CompletionTokens = chunk.CompletionTokens,
                    },
                    CancellationToken.None).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // an engine failure ends this request with a 500, not the server
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.LogError(ex, "generation failed");
            failure = new ApiError(StatusCodes.Status500InternalServerError, "server_error", $"the generation failed: {ex.Message}");
        }

        if (failure is not null)
        {
            // One choice failing ends the request: stop the others.
            await _cancel.CancelAsync().ConfigureAwait(false);
        }

        if (Interlocked.Decrement(ref _running) == 0 || failure is not null)
        {
            _events.Writer.TryComplete(failure);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cancel.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_pumps).ConfigureAwait(false);
        _cancel.Dispose();
    }
}
