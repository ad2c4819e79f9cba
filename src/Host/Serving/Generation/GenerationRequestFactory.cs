using System.Text.Json;
using LlmFramework.Engine;
using LlmFramework.Engine.Generation;
using LlmFramework.Engine.Sampling;
using LlmFramework.Host.Configuration;
using LlmFramework.Host.Serving.Dtos;

namespace LlmFramework.Host.Serving.Generation;

/// <summary>
/// Turns the API's sampling fields into engine requests, one per choice (n; choice i samples with seed + i), with the
/// host's LlmFramework:Generation values for what the request leaves out. Length rules: a prompt must leave room for one
/// token; an explicit max_tokens must fit in the context with the prompt (else 400); without one the default
/// (LlmFramework:Server:DefaultMaxTokens, else LlmFramework:Generation:MaxTokens) is cut to the context left.
/// </summary>
internal static class GenerationRequestFactory
{
    /// <summary>Most choices (n) per request.</summary>
    public const int MaxChoices = 16;

    /// <summary>Most stop strings per request.</summary>
    public const int MaxStopStrings = 16;

    /// <summary>The common fields of a JSON request.</summary>
    public static SamplingFields FieldsOf(SamplingFieldsDto dto, int? maxTokens, string maxTokensField, bool logprobs, int topLogprobs) => new()
    {
        Temperature = dto.Temperature,
        TopP = dto.TopP,
        TopK = dto.TopK,
        MinP = dto.MinP,
        PresencePenalty = dto.PresencePenalty,
        FrequencyPenalty = dto.FrequencyPenalty,
        RepetitionPenalty = dto.RepetitionPenalty,
        Seed = dto.Seed,
        Stop = StopOf(dto.Stop),
        MaxTokens = maxTokens,
        MaxTokensField = maxTokensField,
        N = dto.N,
        Priority = dto.Priority ?? 0,
        Logprobs = logprobs,
        TopLogprobs = topLogprobs,
    };

    /// <summary>"stop": a string or a list of strings.</summary>
    public static IReadOnlyList<string> StopOf(JsonElement? stop)
    {
        if (stop is not JsonElement e || e.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (e.ValueKind == JsonValueKind.String)
        {
            string s = e.GetString()!;
            return s.Length == 0 ? throw ApiError.BadRequest("'stop' must not be an empty string", "stop") : [s];
        }

        if (e.ValueKind != JsonValueKind.Array)
        {
            throw ApiError.BadRequest($"'stop' must be a string or a list of strings, got {JsonBody.Describe(e.ValueKind)}", "stop");
        }

        var list = new List<string>();
        foreach (JsonElement item in e.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 } s)
            {
                throw ApiError.BadRequest($"'stop[{list.Count}]' must be a non-empty string", "stop");
            }

            list.Add(s);
        }

        return list.Count <= MaxStopStrings ? list : throw ApiError.BadRequest($"'stop' has {list.Count} strings; at most {MaxStopStrings} are allowed", "stop");
    }

    /// <summary>The number of choices asked for, checked to be in [1, <see cref="MaxChoices"/>].</summary>
    public static int ChoicesOf(SamplingFields fields)
    {
        int n = fields.N ?? 1;
        return n is >= 1 and <= MaxChoices ? n : throw ApiError.BadRequest($"'n' must be in [1, {MaxChoices}], got {n}", "n");
    }

    /// <summary>
    /// The engine requests for <paramref name="prompt"/>, one per choice. <paramref name="promptField"/> names the prompt in
    /// errors ("messages", "prompt"); <paramref name="extraStops"/> are the chat template's.
    /// </summary>
    public static IReadOnlyList<GenerationRequest> Build(SamplingFields fields, IReadOnlyList<int> prompt, InferenceEngine engine, HostOptions options, string promptField, bool skipSpecialTokens = true, IReadOnlyList<string>? extraStops = null)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(options);
        int n = ChoicesOf(fields);
        int context = engine.ContextLength;
        if (prompt.Count == 0)
        {
            throw ApiError.BadRequest($"'{promptField}' is empty: it must give at least one token", promptField);
        }

        if (prompt.Count >= context)
        {
            throw ApiError.BadRequest($"the prompt has {prompt.Count} tokens but the model's context length is {context}: at most {context - 1} prompt tokens leave room to generate", promptField, "context_length_exceeded");
        }

        int room = context - prompt.Count;
        int maxTokens;
        if (fields.MaxTokens is int asked)
        {
            if (asked < 1)
            {
                throw ApiError.BadRequest($"'{fields.MaxTokensField}' must be at least 1, got {asked}", fields.MaxTokensField);
            }

            if (asked > room)
            {
                throw ApiError.BadRequest($"the prompt ({prompt.Count} tokens) plus {fields.MaxTokensField} ({asked}) is more than the model's context length {context}; ask for at most {room}", fields.MaxTokensField, "context_length_exceeded");
            }

            maxTokens = asked;
        }
        else
        {
            int byDefault = options.Server.DefaultMaxTokens > 0 ? options.Server.DefaultMaxTokens : options.Generation.MaxTokens;
            maxTokens = Math.Min(byDefault, room);
        }

        if (fields.TopLogprobs is < 0 or > GenerationRequest.MaxTopLogprobs)
        {
            throw ApiError.BadRequest($"'top_logprobs' must be in [0, {GenerationRequest.MaxTopLogprobs}], got {fields.TopLogprobs}", "top_logprobs");
        }

        GenerationSettings d = options.Generation;
        var sampling = new SamplingOptions
        {
            Temperature = fields.Temperature ?? d.Temperature,
            TopP = fields.TopP ?? d.TopP,
            TopK = fields.TopK ?? d.TopK,
            MinP = fields.MinP ?? d.MinP,
            RepetitionPenalty = fields.RepetitionPenalty ?? d.RepetitionPenalty,
            PresencePenalty = fields.PresencePenalty ?? 0f,
            FrequencyPenalty = fields.FrequencyPenalty ?? 0f,
            Seed = fields.Seed is long s ? unchecked((ulong)s) : d.Seed,
        };
        IReadOnlyList<string> stops = [.. d.Stop, .. fields.Stop, .. extraStops ?? []];
        var requests = new List<GenerationRequest>(n);
        for (int i = 0; i < n; i++)
        {
            var request = new GenerationRequest
            {
                PromptTokens = prompt,
                Sampling = sampling.Seed is ulong seed ? sampling with { Seed = unchecked(seed + (ulong)i) } : sampling,
                MaxTokens = maxTokens,
                StopStrings = stops,
                Priority = fields.Priority,
                Logprobs = fields.Logprobs,
                TopLogprobs = fields.TopLogprobs,
                SkipSpecialTokens = skipSpecialTokens,
            };
            try
            {
                request.Validate(engine.VocabSize, context);
            }
            catch (ArgumentException ex)
            {
                throw ApiError.FromArgument(ex);
            }

            requests.Add(request);
        }

        return requests;
    }
}
