using System.Net;
using System.Security.Cryptography;
using System.Text;
using LlmFramework.Host.Configuration;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving;

/// <summary>Checks <c>Authorization: Bearer KEY</c> against the configured keys (in constant time per key).</summary>
internal static class BearerAuth
{
    public static void Check(HttpContext context, ServerOptions server, RouteAccess access)
    {
        switch (access)
        {
            case RouteAccess.ApiKey when server.ApiKeys.Count > 0:
                if (!server.ApiKeys.Any(k => Matches(context, k)))
                {
                    throw Unauthorized(context, "an API key");
                }

                break;
            case RouteAccess.Admin when server.AdminKey.Length > 0:
                if (!Matches(context, server.AdminKey))
                {
                    throw Unauthorized(context, "the admin key (LlmFramework:Server:AdminKey)");
                }

                break;
            case RouteAccess.Admin:
                IPAddress? remote = context.Connection.RemoteIpAddress;
                if (remote is null || !IPAddress.IsLoopback(remote))
                {
                    throw new ApiError(StatusCodes.Status403Forbidden, "permission_error", "admin routes are open only to loopback clients while LlmFramework:Server:AdminKey is empty", null, "admin_forbidden");
                }

                break;
        }
    }

    private static bool Matches(HttpContext context, string key)
    {
        string header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        byte[] given = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        byte[] expected = Encoding.UTF8.GetBytes(key);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    private static ApiError Unauthorized(HttpContext context, string what)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        bool present = context.Request.Headers.Authorization.Count > 0;
        return new ApiError(
            StatusCodes.Status401Unauthorized,
            "authentication_error",
            present ? $"the bearer token is not {what}" : $"this route needs 'Authorization: Bearer KEY' with {what}",
            null,
            "invalid_api_key");
    }
}
