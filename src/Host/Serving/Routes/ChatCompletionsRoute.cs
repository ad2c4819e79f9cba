using System.Text.Json;
using LlmFramework.Engine.Generation;
using LlmFramework.Host.Serving.Dtos;
using LlmFramework.Host.Serving.Generation;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving.Routes;

/// <summary>POST /v1/chat/completions: a chat through the model's template, n choices, streamed (SSE) or not.</summary>
internal static class ChatCompletionsRoute
{
    public const string Path = "/v1/chat/completions";

    public static async Task HandleAsync(HttpContext context, ServerContext server)
    {
        ChatCompletionRequest dto = await JsonBody.ReadAsync(context, ServingJsonContext.Relaxed.ChatCompletionRequest, server.Server.MaxRequestBodyBytes).ConfigureAwait(false);
        IReadOnlyList<ChatTurn> turns = ChatTurns.From(dto.Messages);
        IReadOnlyList<ToolDto> tools = ToolsOf(dto);
        ServedModel model = server.Models.Resolve(dto.Model);
        using IDisposable lease = model.Acquire();
        ChatPrompt prompt = ChatPromptBuilder.Build(model, turns, tools);
        bool logprobs = dto.Logprobs ?? false;
        SamplingFields fields = GenerationRequestFactory.FieldsOf(
            dto,
            dto.MaxCompletionTokens ?? dto.MaxTokens,
            dto.MaxCompletionTokens is not null ? "max_completion_tokens" : "max_tokens",
            logprobs,
            dto.TopLogprobs ?? 0);
        if (!logprobs && dto.TopLogprobs is > 0)
        {
            throw ApiError.BadRequest("'top_logprobs' needs 'logprobs': true", "top_logprobs");
        }

        IReadOnlyList<GenerationRequest> requests = GenerationRequestFactory.Build(fields, prompt.Tokens, model.Engine, server.Options, "messages", skipSpecialTokens: tools.Count == 0, prompt.Stops);
        var choices = requests.Select((r, i) => new ChoicePlan(i, r, ParseReasoning: true, prompt.StartsInReasoning, ParseTools: tools.Count > 0, TrimLeadingSpace: true)).ToList();
        var answer = new ChatAnswer(model, prompt.Tokens.Length, logprobs, dto.TopLogprobs ?? 0);
        using var cancellation = new RequestCancellation(context.RequestAborted, server.State.CancelToken, model.UnloadToken, server.Server.RequestTimeoutSeconds);
        await using GenerationCall call = GenerationCall.Start(model, choices, cancellation, server.Server.RetryAfterSeconds, server.Logger);
        if (dto.Stream == true)
        {
            await answer.StreamAsync(context, call, choices.Count, dto.StreamOptions?.IncludeUsage == true, cancellation).ConfigureAwait(false);
        }
        else
        {
            ChatCompletionResponse response = await answer.CollectAsync(call, choices.Count).ConfigureAwait(false);
            await context.Response.WriteAsJsonAsync(response, ServingJsonContext.Relaxed.ChatCompletionResponse, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>The request's tools, checked; none when tool_choice is "none".</summary>
    private static IReadOnlyList<ToolDto> ToolsOf(ChatCompletionRequest dto)
    {
        if (dto.ToolChoice is { ValueKind: JsonValueKind.String } choice && choice.GetString() == "none")
        {
            return [];
        }

        List<ToolDto> tools = dto.Tools ?? [];
        for (int i = 0; i < tools.Count; i++)
        {
            if (tools[i] is null || (tools[i].Type ?? "function") != "function")
            {
                throw ApiError.BadRequest($"'tools[{i}].type' must be \"function\"", $"tools[{i}].type");
            }

            if (tools[i].Function?.Name is not { Length: > 0 })
            {
                throw ApiError.BadRequest($"'tools[{i}].function.name' is required", $"tools[{i}].function.name");
            }
        }

        return tools;
    }
}
