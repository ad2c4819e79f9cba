using System.Runtime.InteropServices;
using LlmFramework.Host.Serving.Dtos;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving.Routes;

/// <summary>POST /v1/embeddings: the engine's mean-pooled, L2-normalised embedding of each input, as floats or base64.</summary>
internal static class EmbeddingsRoute
{
    public const string Path = "/v1/embeddings";

    public static async Task HandleAsync(HttpContext context, ServerContext server)
    {
        EmbeddingRequest dto = await JsonBody.ReadAsync(context, ServingJsonContext.Relaxed.EmbeddingRequest, server.Server.MaxRequestBodyBytes).ConfigureAwait(false);
        bool base64 = dto.EncodingFormat switch
        {
            null or "float" => false,
            "base64" => true,
            _ => throw ApiError.BadRequest($"'encoding_format' must be \"float\" or \"base64\", got \"{dto.EncodingFormat}\"", "encoding_format"),
        };
        ServedModel model = server.Models.Resolve(dto.Model);
        using IDisposable lease = model.Acquire();
        if (dto.Dimensions is int dims && dims != model.Engine.EmbeddingSize)
        {
            throw ApiError.BadRequest($"'dimensions' is {dims} but the model's embeddings have {model.Engine.EmbeddingSize} (they cannot be shortened)", "dimensions");
        }

        IReadOnlyList<int[]> inputs = PromptInput.Parse(dto.Input, "input", model.Runtime.Model.Tokenizer, required: true);
        var response = new EmbeddingResponse { Model = model.Id, Usage = new EmbeddingUsageDto() };
        int tokens = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            int[] input = inputs[i];
            float[] vector;
            try
            {
                vector = await Task.Run(() => model.Engine.Embed(input, context.RequestAborted), context.RequestAborted).ConfigureAwait(false);
            }
            catch (ArgumentException ex)
            {
                throw ApiError.BadRequest($"'{(inputs.Count == 1 ? "input" : $"input[{i}]")}': {ex.Message}", "input");
            }

            tokens += input.Length;
            response.Data.Add(new EmbeddingDataDto { Index = i, Embedding = base64 ? Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan())) : vector });
        }

        response.Usage.PromptTokens = tokens;
        response.Usage.TotalTokens = tokens;
        await context.Response.WriteAsJsonAsync(response, ServingJsonContext.Relaxed.EmbeddingResponse, cancellationToken: context.RequestAborted).ConfigureAwait(false);
    }
}
