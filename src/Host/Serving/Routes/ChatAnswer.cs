using System.Text;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Host.Serving.Dtos;
using LlmFramework.Host.Serving.Generation;
using LlmFramework.Host.Serving.Parsing;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving.Routes;

/// <summary>Builds the chat answer from a <see cref="GenerationCall"/>: one JSON completion, or a stream of chunks.</summary>
internal sealed class ChatAnswer(ServedModel model, int promptTokens, bool logprobs, int topLogprobs)
{
    private readonly string _id = "chatcmpl-" + Guid.NewGuid().ToString("N");
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private readonly ITokenizer _tokenizer = model.Runtime.Model.Tokenizer;

    public async Task<ChatCompletionResponse> CollectAsync(GenerationCall call, int choiceCount)
    {
        var content = new StringBuilder[choiceCount];
        var reasoning = new StringBuilder[choiceCount];
        var tokens = new List<ChatTokenLogprobDto>[choiceCount];
        var finals = new ChoiceEvent[choiceCount];
        for (int i = 0; i < choiceCount; i++)
        {
            (content[i], reasoning[i], tokens[i]) = (new StringBuilder(), new StringBuilder(), []);
        }

        await foreach (ChoiceEvent e in call.Events.ReadAllAsync().ConfigureAwait(false))
        {
            content[e.Index].Append(e.Content);
            reasoning[e.Index].Append(e.Reasoning);
            if (logprobs && e.Logprobs is not null)
            {
                tokens[e.Index].Add(LogprobShapes.Chat(_tokenizer, e.Logprobs, topLogprobs > 0));
            }

            if (e.FinishReason is not null)
            {
                finals[e.Index] = e;
            }
        }

        var response = new ChatCompletionResponse { Id = _id, Created = _created, Model = model.Id };
        int completion = 0;
        for (int i = 0; i < choiceCount; i++)
        {
            ChoiceEvent last = finals[i];
            completion += last.CompletionTokens;
            response.Choices.Add(new ChatChoiceDto
            {
                Index = i,
                Message = new ChatResponseMessageDto
                {
                    Role = "assistant",
                    Content = last.ToolCalls.Count > 0 && content[i].ToString().Trim().Length == 0 ? null : content[i].ToString(),
                    ReasoningContent = reasoning[i].Length > 0 ? reasoning[i].ToString() : null,
                    ToolCalls = last.ToolCalls.Count > 0 ? ToolCalls(last.ToolCalls) : null,
                },
                Logprobs = logprobs ? new ChatLogprobsDto { Content = tokens[i] } : null,
                FinishReason = last.FinishReason,
            });
        }

        response.Usage = new UsageDto { PromptTokens = promptTokens, CompletionTokens = completion, TotalTokens = promptTokens + completion };
        return response;
    }

    public async Task StreamAsync(HttpContext context, GenerationCall call, int choiceCount, bool includeUsage, RequestCancellation cancellation)
    {
        using SseWriter sse = await SseWriter.StartAsync(context.Response).ConfigureAwait(false);
        CancellationToken aborted = context.RequestAborted;
        for (int i = 0; i < choiceCount; i++)
        {
            await sse.WriteAsync(Chunk(i, new ChatResponseMessageDto { Role = "assistant", Content = "" }, null, null), ServingJsonContext.Relaxed.ChatCompletionChunk, aborted).ConfigureAwait(false);
        }

        int completion = 0;
        try
        {
            await foreach (ChoiceEvent e in call.Events.ReadAllAsync(aborted).ConfigureAwait(false))
            {
                ChatLogprobsDto? lp = logprobs && e.Logprobs is not null ? new ChatLogprobsDto { Content = [LogprobShapes.Chat(_tokenizer, e.Logprobs, topLogprobs > 0)] } : null;
                bool hasText = e.Content.Length > 0 || e.Reasoning.Length > 0;
                if (e.FinishReason is not null)
                {
                    completion += e.CompletionTokens;
                }

                if (!hasText && lp is null && e.FinishReason is null && e.ToolCalls.Count == 0)
                {
                    continue;
                }

                var delta = new ChatResponseMessageDto
                {
                    Content = e.Content.Length > 0 ? e.Content : null,
                    ReasoningContent = e.Reasoning.Length > 0 ? e.Reasoning : null,
                    ToolCalls = e.ToolCalls.Count > 0 ? ToolCalls(e.ToolCalls) : null,
                };
                await sse.WriteAsync(Chunk(e.Index, delta, lp, e.FinishReason), ServingJsonContext.Relaxed.ChatCompletionChunk, aborted).ConfigureAwait(false);
            }
        }
        catch (ApiError error) when (!cancellation.ClientGone)
        {
            await sse.WriteErrorAsync(error, aborted).ConfigureAwait(false);
            await sse.WriteDoneAsync(aborted).ConfigureAwait(false);
            return;
        }

        if (includeUsage)
        {
            var usage = new ChatCompletionChunk { Id = _id, Created = _created, Model = model.Id, Usage = new UsageDto { PromptTokens = promptTokens, CompletionTokens = completion, TotalTokens = promptTokens + completion } };
            await sse.WriteAsync(usage, ServingJsonContext.Relaxed.ChatCompletionChunk, aborted).ConfigureAwait(false);
        }

        await sse.WriteDoneAsync(aborted).ConfigureAwait(false);
    }

    private ChatCompletionChunk Chunk(int index, ChatResponseMessageDto delta, ChatLogprobsDto? lp, string? finish) => new()
    {
        Id = _id,
        Created = _created,
        Model = model.Id,
        Choices = [new ChatChunkChoiceDto { Index = index, Delta = delta, Logprobs = lp, FinishReason = finish }],
    };

    private static List<ToolCallDto> ToolCalls(IReadOnlyList<ParsedToolCall> calls) =>
        [.. calls.Select((c, i) => new ToolCallDto { Index = i, Id = c.Id, Type = "function", Function = new ToolCallFunctionDto { Name = c.Name, Arguments = c.Arguments } })];
}
