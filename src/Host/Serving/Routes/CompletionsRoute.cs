using System.Text;
using System.Text.Json;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Engine.Generation;
using LlmFramework.Host.Serving.Dtos;
using LlmFramework.Host.Serving.Generation;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving.Routes;

/// <summary>
/// POST /v1/completions: raw text completion of a prompt (a string, a list of strings, token ids or lists of token
/// ids); choice p * n + i is the i-th sample of prompt p. Streamed (SSE) or not; echo and legacy logprobs supported.
/// </summary>
internal static class CompletionsRoute
{
    public const string Path = "/v1/completions";

    /// <summary>Most completions logprobs (alternatives per token).</summary>
    private const int MaxLogprobs = 20;

    public static async Task HandleAsync(HttpContext context, ServerContext server)
    {
        CompletionRequest dto = await JsonBody.ReadAsync(context, ServingJsonContext.Relaxed.CompletionRequest, server.Server.MaxRequestBodyBytes).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(dto.Suffix))
        {
            throw ApiError.BadRequest("'suffix' (fill-in-the-middle) is not supported", "suffix");
        }

        if (dto.Logprobs is < 0 or > MaxLogprobs)
        {
            throw ApiError.BadRequest($"'logprobs' must be in [0, {MaxLogprobs}], got {dto.Logprobs}", "logprobs");
        }

        ServedModel model = server.Models.Resolve(dto.Model);
        using IDisposable lease = model.Acquire();
        ITokenizer tokenizer = model.Runtime.Model.Tokenizer;
        IReadOnlyList<int[]> prompts = PromptInput.Parse(dto.Prompt, "prompt", tokenizer, required: true);
        SamplingFields fields = GenerationRequestFactory.FieldsOf(dto, dto.MaxTokens, "max_tokens", dto.Logprobs is not null, dto.Logprobs ?? 0);
        int n = GenerationRequestFactory.ChoicesOf(fields);
        if (prompts.Count * n > PromptInput.MaxItems)
        {
            throw ApiError.BadRequest($"{prompts.Count} prompts x n = {n} is {prompts.Count * n} generations; at most {PromptInput.MaxItems} per request", "n");
        }

        var choices = new List<ChoicePlan>();
        int promptTokens = 0;
        for (int p = 0; p < prompts.Count; p++)
        {
            IReadOnlyList<GenerationRequest> requests = GenerationRequestFactory.Build(fields, prompts[p], model.Engine, server.Options, prompts.Count == 1 ? "prompt" : $"prompt[{p}]");
            promptTokens += prompts[p].Length;
            choices.AddRange(requests.Select((r, i) => new ChoicePlan((p * n) + i, r)));
        }

        string[] echoes = dto.Echo == true ? [.. prompts.Select(p => tokenizer.Decode(p, skipSpecialTokens: true))] : [];
        var answer = new CompletionAnswer(model, promptTokens, n, echoes);
        using var cancellation = new RequestCancellation(context.RequestAborted, server.State.CancelToken, model.UnloadToken, server.Server.RequestTimeoutSeconds);
        await using GenerationCall call = GenerationCall.Start(model, choices, cancellation, server.Server.RetryAfterSeconds, server.Logger);
        if (dto.Stream == true)
        {
            await answer.StreamAsync(context, call, dto.StreamOptions?.IncludeUsage == true, cancellation).ConfigureAwait(false);
        }
        else
        {
            CompletionResponse response = await answer.CollectAsync(call, choices.Count, dto.Logprobs is not null).ConfigureAwait(false);
            await context.Response.WriteAsJsonAsync(response, ServingJsonContext.Relaxed.CompletionResponse, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        }
    }
}
