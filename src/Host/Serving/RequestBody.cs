using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving;

/// <summary>Reads a whole request body, refusing one larger than the limit with a 413 (by its Content-Length or while reading).</summary>
internal static class RequestBody
{
    public static async Task<byte[]> ReadAsync(HttpContext context, long limit)
    {
        if (context.Request.ContentLength is long declared && declared > limit)
        {
            throw TooLarge(limit);
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        try
        {
            while (true)
            {
                int n = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                if (buffer.Length + n > limit)
                {
                    throw TooLarge(limit);
                }

                buffer.Write(chunk, 0, n);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(limit);
        }

        return buffer.ToArray();
    }

    private static ApiError TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, "invalid_request_error", $"the request body is larger than {limit} bytes (LlmFramework:Server:MaxRequestBodyBytes)", null, "request_too_large");
}
