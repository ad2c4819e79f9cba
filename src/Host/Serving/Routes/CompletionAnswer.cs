using System.Text;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Host.Serving.Dtos;
using LlmFramework.Host.Serving.Generation;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving.Routes;

/// <summary>Builds the completions answer from a <see cref="GenerationCall"/>: one JSON answer, or a stream of chunks.</summary>
internal sealed class CompletionAnswer(ServedModel model, int promptTokens, int n, IReadOnlyList<string> echoes)
{
    private readonly string _id = "cmpl-" + Guid.NewGuid().ToString("N");
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private readonly ITokenizer _tokenizer = model.Runtime.Model.Tokenizer;

    private string EchoOf(int choice) => echoes.Count > 0 ? echoes[choice / n] : "";

    public async Task<CompletionResponse> CollectAsync(GenerationCall call, int choiceCount, bool logprobs)
    {
        var text = new StringBuilder[choiceCount];
        var lps = new CompletionLogprobsDto?[choiceCount];
        var finals = new ChoiceEvent[choiceCount];
        for (int i = 0; i < choiceCount; i++)
        {
            text[i] = new StringBuilder(EchoOf(i));
            lps[i] = logprobs ? new CompletionLogprobsDto() : null;
        }

        await foreach (ChoiceEvent e in call.Events.ReadAllAsync().ConfigureAwait(false))
        {
            if (lps[e.Index] is { } lp && e.Logprobs is not null)
            {
                LogprobShapes.AddCompletion(lp, _tokenizer, e.Logprobs, text[e.Index].Length);
            }

            text[e.Index].Append(e.Content);
            if (e.FinishReason is not null)
            {
                finals[e.Index] = e;
            }
        }

        var response = new CompletionResponse { Id = _id, Created = _created, Model = model.Id };
        int completion = 0;
        for (int i = 0; i < choiceCount; i++)
        {
            completion += finals[i].CompletionTokens;
            response.Choices.Add(new CompletionChoiceDto { Index = i, Text = text[i].ToString(), Logprobs = lps[i], FinishReason = finals[i].FinishReason });
        }

        response.Usage = new UsageDto { PromptTokens = promptTokens, CompletionTokens = completion, TotalTokens = promptTokens + completion };
        return response;
    }

    public async Task StreamAsync(HttpContext context, GenerationCall call, bool includeUsage, RequestCancellation cancellation)
    {
        using SseWriter sse = await SseWriter.StartAsync(context.Response).ConfigureAwait(false);
        CancellationToken aborted = context.RequestAborted;
        var offsets = new Dictionary<int, int>();
        if (echoes.Count > 0)
        {
            for (int i = 0; i < echoes.Count * n; i++)
            {
                offsets[i] = EchoOf(i).Length;
                await sse.WriteAsync(Chunk(i, EchoOf(i), null, null), ServingJsonContext.Relaxed.CompletionResponse, aborted).ConfigureAwait(false);
            }
        }

        int completion = 0;
        try
        {
            await foreach (ChoiceEvent e in call.Events.ReadAllAsync(aborted).ConfigureAwait(false))
            {
                int offset = offsets.GetValueOrDefault(e.Index);
                CompletionLogprobsDto? lp = null;
                if (e.Logprobs is not null)
                {
                    lp = new CompletionLogprobsDto();
                    LogprobShapes.AddCompletion(lp, _tokenizer, e.Logprobs, offset);
                }

                offsets[e.Index] = offset + e.Content.Length;
                if (e.FinishReason is not null)
                {
                    completion += e.CompletionTokens;
                }

                if (e.Content.Length == 0 && lp is null && e.FinishReason is null)
                {
                    continue;
                }

                await sse.WriteAsync(Chunk(e.Index, e.Content, lp, e.FinishReason), ServingJsonContext.Relaxed.CompletionResponse, aborted).ConfigureAwait(false);
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
            var usage = new CompletionResponse { Id = _id, Created = _created, Model = model.Id, Usage = new UsageDto { PromptTokens = promptTokens, CompletionTokens = completion, TotalTokens = promptTokens + completion } };
            await sse.WriteAsync(usage, ServingJsonContext.Relaxed.CompletionResponse, aborted).ConfigureAwait(false);
        }

        await sse.WriteDoneAsync(aborted).ConfigureAwait(false);
    }

    private CompletionResponse Chunk(int index, string text, CompletionLogprobsDto? lp, string? finish) => new()
    {
        Id = _id,
        Created = _created,
        Model = model.Id,
        Choices = [new CompletionChoiceDto { Index = index, Text = text, Logprobs = lp, FinishReason = finish }],
    };
}
